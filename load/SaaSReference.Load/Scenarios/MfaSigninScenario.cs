using System.Diagnostics;
using System.Globalization;
using Npgsql;
using SaaSReference.Contracts.Quotas;
using SaaSReference.Database;
using SaaSReference.Database.Quotas;
using SaaSReference.Load.Cli;
using SaaSReference.Load.Engine;
using SaaSReference.Load.Reports;
using SaaSReference.Load.Stats;
using SaaSReference.LocalInfrastructure;
using SaaSReference.Testing;

namespace SaaSReference.Load.Scenarios;

/// <summary>
/// `signin --variant mfa` (9.1.1a, 9.1.2a, 9.2.3a): people of one tenant signing in through the gateway as a browser
/// does, password and TOTP, on a throwaway stack the runner starts on loopback (PostgreSQL, one silo, 1 or 2 identity
/// instances, the gateway). Set-up: the tenant gets a plan with seats for everybody and a policy requiring MFA of all its
/// users; the identity service seeds the people (a random password each) at start; each then signs in once and enrolls
/// an authenticator on the service's own enrollment page (the key read off the page, the code computed by RFC 6238).
/// Run: closed model, each iteration one full sign-in of one person with a fresh cookie jar, every step measured apart;
/// the person pool keeps anyone from signing in twice in one TOTP step. Checks: every sign-in ended with the right
/// person's session, no password or code refused, no account locked out.
/// </summary>
internal sealed class MfaSigninScenario
{
    public const string Tenant = "signin-mfa";

    /// <summary>Where the premium plan's 1,000 seats are not enough, the tenant's seat limit is raised to the people seeded.</summary>
    private const string Plan = "premium";

    public static async Task<RunReport> RunAsync(ScenarioEnvironment environment, CancellationToken cancellationToken)
    {
        var options = environment.Options;
        var count = options.Users ?? 200;
        var copies = options.Copies ?? 4;
        var identities = options.Identities ?? 1;
        if (identities > 2)
        {
            throw new InvalidOperationException("--identities: 1 or 2 identity instances.");
        }
        var duration = options.DurationOr(TimeSpan.FromSeconds(20));
        var output = environment.Output;
        var started = DateTimeOffset.UtcNow;
        var users = Enumerable.Range(0, count)
            .Select(i => new MfaUser(i, $"user{i + 1:D4}@{Tenant}.example", SecretsFile.NewToken(24), $"MFA load user {i + 1:D4}"))
            .ToList();

        output.WriteLine("signin mfa: starting a throwaway PostgreSQL on loopback ...");
        var setUp = Stopwatch.StartNew();
        await using var database = await ThrowawayDatabase.StartAsync("signin", cancellationToken);
        var postgres = database.Server;
        var regions = database.Settings;
        await PrepareTenantAsync(postgres.ConnectionString, count, cancellationToken);

        output.WriteLine($"signin mfa: starting 1 silo, {identities} identity instance(s) (seeding {count} people) and the gateway ...");
        var seed = new PlatformSeed([.. users.Select(u => new SeedUser(u.Email, u.Password, Tenant, "tenant-user", u.DisplayName))], []);
        PlatformCluster? cluster = null;
        try
        {
            cluster = await PlatformCluster.StartAsync(postgres.ConnectionString, regions, silos: 1, identities: identities, gateway: true, seed: seed);
            var gateway = cluster.Gateway!.BaseAddress;
            var http = environment.CreateBrowserClient(gateway);
            await WaitForIdentityAsync(http, cancellationToken);
            var stackTime = setUp.Elapsed;

            var flow = new MfaSigninFlow(http, gateway, Tenant);
            var pool = new MfaUserPool(users);
            output.WriteLine($"signin mfa: {count} people sign in for the first time and enroll an authenticator, {copies} at a time ...");
            var enroll = new Scenario("enroll", flow.EnrollmentSteps(users, pool), [new KeepConstant(copies, TimeSpan.FromMinutes(30))])
            {
                MaxIterations = count,
            };
            var enrollment = await environment.Runner.RunAsync($"first sign-in and TOTP enrollment of {count} people", [enroll], cancellationToken);
            var enrolled = users.Count(u => u.Key is not null);
            if (enrolled != count || flow.Verified != count)
            {
                var errors = enrollment.Scenarios[0].Steps.SelectMany(s => s.Errors.Select(e => $"{s.Step}: {e.Status} {e.Reason} x{e.Count}"));
                throw new InvalidOperationException(
                    $"Only {enrolled} of {count} people enrolled an authenticator ({flow.Verified} signed in): {string.Join("; ", errors)}");
            }
            var enrollmentTime = enrollment.Scenarios[0].Duration;

            var measured = new MfaSigninFlow(http, gateway, Tenant);
            long phaseOrigin = 0;
            var signin = new Scenario("mfa-signin", measured.SignInSteps(() => phaseOrigin), [new KeepConstant(copies, duration)])
            {
                Admission = pool.AdmitAsync,
                WarmUp = options.WarmUp ?? TimeSpan.Zero,
                MaxIterations = options.MaxRequests,
            };
            phaseOrigin = Stopwatch.GetTimestamp();
            var phase = await environment.Runner.RunAsync($"sign-in with password and TOTP, {copies} at a time", [signin], cancellationToken);
            var accounts = await AccountsAsync(postgres.ConnectionString, cancellationToken);
            return Summarize(environment, started, enrollment, phase, measured, pool, accounts,
                new SetUp(count, identities, copies, stackTime, enrollmentTime), gateway);
        }
        catch (Exception e) when (cluster is not null && e is InvalidOperationException or TimeoutException or HttpRequestException)
        {
            output.WriteLine(string.Join('\n', cluster.Diagnostics().Split('\n').TakeLast(60)));
            throw;
        }
        finally
        {
            if (cluster is not null)
            {
                await cluster.DisposeAsync();
            }
        }
    }

    /// <summary>
    /// Before any service starts: the schema (the platform's own migrator, as the silo would run it), then the tenant's
    /// standing as its grain writes it (a plan with a seat for everybody: the default plan has 10, 12.1.3c) and its
    /// sign-in policy requiring MFA of every user (9.2.3a; the row the sign-in policy API writes). The tenant is not
    /// provisioned in the silo: signing in touches no tenant data.
    /// </summary>
    private static async Task PrepareTenantAsync(string connectionString, int users, CancellationToken cancellationToken)
    {
        await SchemaMigrator.MigrateAsync(connectionString, cancellationToken: cancellationToken);
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        var seats = PlatformSettings.Defaults.FindPlan(Plan)!.Limits.Users;
        var overrides = users > seats ? new QuotaOverrides(Users: users) : QuotaOverrides.None;
        await new TenantLimitsStore(dataSource).UpsertAsync(
            new TenantStanding(Tenant, Contracts.Tenants.TenantStatus.Active, StatusReason.None, Plan, overrides, 1), DateTimeOffset.UtcNow, cancellationToken);
        await using var policy = dataSource.CreateCommand(
            "INSERT INTO identity.tenant_policies (tenant_id, require_mfa, updated_at, updated_by) VALUES ($1, true, now(), 'load-runner')");
        policy.Parameters.Add(new NpgsqlParameter<string> { TypedValue = Tenant });
        await policy.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>The gateway forwards to the identity service and the service answers its discovery document.</summary>
    private static async Task WaitForIdentityAsync(HttpClient http, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                using var response = await http.GetAsync(new Uri("/identity/.well-known/openid-configuration", UriKind.Relative), cancellationToken);
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }
            if (deadline.Elapsed > TimeSpan.FromSeconds(60))
            {
                throw new TimeoutException("The identity service did not answer through the gateway within 60 s.");
            }
            await Task.Delay(250, cancellationToken);
        }
    }

    /// <summary>The tenant's accounts as the identity store has them after the run (locked out, with failures counted, enrolled).</summary>
    private static async Task<Accounts> AccountsAsync(string connectionString, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand(
            """
            SELECT count(*),
                   count(*) FILTER (WHERE "LockoutEnd" > now() OR "ConsecutiveLockouts" > 0),
                   count(*) FILTER (WHERE "AccessFailedCount" > 0),
                   count(*) FILTER (WHERE "TwoFactorEnabled")
              FROM identity."AspNetUsers" WHERE "TenantId" = $1
            """, connection);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = Tenant });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return new Accounts(reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3));
    }

    private static RunReport Summarize(ScenarioEnvironment environment, DateTimeOffset started, PhaseResult enrollment, PhaseResult phase,
        MfaSigninFlow flow, MfaUserPool pool, Accounts accounts, SetUp setUp, Uri gateway)
    {
        var result = phase.Scenarios[0];
        var whole = flow.Whole.Summarize(result.Duration);
        var seconds = Math.Max(result.Duration.TotalSeconds, 1e-9);
        var failed = result.Iterations - flow.Verified;
        var summary = new List<SummaryLine>
        {
            new("stack", $"PostgreSQL + 1 silo + {setUp.Identities} identity instance(s) + gateway on loopback; {setUp.Users} people of tenant {Tenant} "
                + $"(MFA required by the tenant's policy), each enrolled with TOTP at set-up"),
            new("set-up", $"stack with the people seeded {Format.Seconds(setUp.Stack)}, first sign-in with enrollment of all {Format.Seconds(setUp.Enrollment)}"),
            new("sign-ins started / ended with the right session", $"{Format.N(result.Iterations)} / {Format.N(flow.Verified)}"),
            new("sign-ins per second", Format.Rate(flow.Verified / seconds)),
            new("whole sign-in p50 / p99 ms", $"{Format.Ms(whole.P50Ms)} / {Format.Ms(whole.P99Ms)}"),
        };
        foreach (var step in result.Steps)
        {
            summary.Add(new($"{step.Step} p50 / p99 ms", $"{Format.Ms(step.P50Ms)} / {Format.Ms(step.P99Ms)}"));
        }
        summary.AddRange(
        [
            new("refused: password / TOTP code / rate-limited (429)", $"{flow.PasswordRefused} / {flow.CodeRefused} / {flow.RateLimited}"),
            new("sessions of another person", Format.N(flow.WrongSession)),
            new("accounts locked out / with failed attempts counted / enrolled (identity store)", $"{accounts.LockedOut} / {accounts.WithFailures} / {accounts.Enrolled} of {accounts.Total}"),
            new("waits for a person free in the current TOTP step", $"{Format.N(pool.Waits)} ({Format.Seconds(pool.Waited)} in all); copies stopped for lack of one: {pool.GaveUp}"),
        ]);
        foreach (var line in summary)
        {
            environment.Output.WriteLine($"{line.Label}: {line.Value}");
        }
        var checks = new List<ThresholdResult>
        {
            new("every sign-in ended with a session of the right person (/me)", failed, failed == 0 && flow.Verified > 0),
            new("no password or TOTP code refused", flow.Refusals, flow.Refusals == 0),
            new("no account locked out", accounts.LockedOut, accounts.LockedOut == 0),
        };
        var notes = new List<string>
        {
            "Each sign-in: GET /login?returnUrl=/ (gateway, redirected to the identity service's authorize endpoint and its tenant page) → tenant → "
            + "password → TOTP code (back through connect/authorize, which answers with the form posting the code) → callback (POST /signin-oidc: "
            + "the gateway redeems the code and stores the session; the redirect to / is not followed) → GET /me. A fresh cookie jar for every sign-in.",
            "Nobody signs in twice in one 30 s TOTP step (the service refuses a step it accepted before); when everybody has, the next sign-in waits "
            + "for the next step, unmeasured. Waits mean the people seeded, not the platform, bounded the rate: seed more with --users.",
            "The load generator (HTML parsing included) shares the machine's cores with the stack.",
        };
        return new RunReport("signin", started, "dotnet run --project load/SaaSReference.Load -- " + environment.Options.CommandLine,
            ScenarioEnvironment.Machine(), gateway.ToString(), [enrollment, phase], summary, checks, [.. notes]);
    }

    private sealed record SetUp(int Users, int Identities, int Copies, TimeSpan Stack, TimeSpan Enrollment);

    private sealed record Accounts(long Total, long LockedOut, long WithFailures, long Enrolled);
}
