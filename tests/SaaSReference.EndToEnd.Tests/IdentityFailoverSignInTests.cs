using System.Diagnostics;
using System.Net;
using Microsoft.Playwright;
using Npgsql;
using SaaSReference.EndToEnd.Tests.Browser;
using SaaSReference.Testing;

namespace SaaSReference.EndToEnd.Tests;

/// <summary>
/// 17.2.1a, 9.1.1a with people: one of the two identity instances is killed (SIGKILL) while people are signing in
/// through the gateway in a real browser. Someone halfway through the sign-in pages finishes, someone new signs in,
/// and the sessions that were already open keep reaching the API, their access tokens refreshed through the
/// surviving instance (the refreshes are counted in the identity store, not assumed).
/// </summary>
public sealed partial class IdentityFailoverTests
{
    private static readonly TimeSpan WatchAfterKill = TimeSpan.FromSeconds(35);

    [Fact]
    public async Task Identity_OneInstanceKilled_PeopleSignInAndSessionsRefreshThroughTheOther()
    {
        var cluster = fixture.Cluster;
        using var gateway = await BothInstancesInRotationAsync();
        await using var browser = await BrowserSession.StartAsync();
        var people = new List<(SeedUser User, IPage Page, SignInFlow Flow)>();
        foreach (var user in fixture.Users)
        {
            var page = await browser.NewPersonAsync();
            people.Add((user, page, new SignInFlow(page, cluster.PublicBase)));
        }

        // Before the kill: two people are signed in, a third is on the password form, the fourth has not begun.
        var (signedIn, halfway, late) = (people.Take(2).ToList(), people[2], people[3]);
        foreach (var (user, _, flow) in signedIn)
        {
            Assert.True(await TrySignInAsync(flow, user), $"{user.Email} could not sign in before the kill:\n{cluster.Diagnostics()}");
        }
        await halfway.Flow.ChooseTenantAsync(ClusterFixture.MachineTenant);

        // Nothing is in flight now: the open sessions make no call until the instance is gone.
        var killedAt = DateTimeOffset.UtcNow;
        await cluster.Identities[0].KillAsync();
        var clock = Stopwatch.StartNew();

        var watch = signedIn.Select(person => WatchSessionAsync(person.User, person.Flow, clock)).ToList();
        var halfwayAttempts = await SignInWithRetriesAsync(halfway.User, halfway.Flow, clock, alreadyOnPasswordForm: true);
        var lateAttempts = await SignInWithRetriesAsync(late.User, late.Flow, clock, alreadyOnPasswordForm: false);
        var sessions = await Task.WhenAll(watch);

        foreach (var (user, _, flow) in new[] { halfway, late })
        {
            var (status, body) = await flow.FetchAsync($"/api/tenants/{ClusterFixture.MachineTenant}");
            Assert.True(status == 200, $"{user.Email} signed in after the kill, but the API answered {status}: {body}");
        }
        var refreshes = await RefreshesRedeemedSinceAsync(killedAt);
        foreach (var session in sessions)
        {
            output.WriteLine($"{session.Email}: {session.Calls} API calls in {WatchAfterKill.TotalSeconds:F0} s after the kill, "
                + $"{session.Unavailable} answered 503 (refresh impossible), the last at {session.LastUnavailable.TotalSeconds:F1} s; "
                + $"{refreshes.GetValueOrDefault(session.Email)} refresh tokens redeemed");
            // The gateway refreshes 60 s before expiry and the tokens live 70 s: one refresh per 10 s of activity.
            Assert.True(refreshes.GetValueOrDefault(session.Email) >= 2,
                $"{session.Email}'s session was not refreshed after the kill ({refreshes.GetValueOrDefault(session.Email)} refreshes); tokens:\n{await TokensAsync()}");
            Assert.True(session.EndedOk, $"{session.Email}'s session did not end the watch reaching the API:\n{cluster.Diagnostics()}");
        }
        output.WriteLine($"halfway through the pages at the kill: signed in at attempt {halfwayAttempts.Attempts}, {halfwayAttempts.At.TotalSeconds:F1} s after the kill");
        output.WriteLine($"starting after the kill: signed in at attempt {lateAttempts.Attempts}, {lateAttempts.At.TotalSeconds:F1} s after the kill");

        cluster.Identities[0].Start();
        await cluster.Identities[0].WaitUntilHealthyAsync();
    }

    private sealed record SessionWatch(string Email, int Calls, int Unavailable, TimeSpan LastUnavailable, bool EndedOk);

    /// <summary>
    /// Calls the API once a second with the session. 503 (the gateway could not renew the token yet) is a retryable
    /// answer; 401 would mean the session was lost, and anything else is a fault.
    /// </summary>
    private static async Task<SessionWatch> WatchSessionAsync(SeedUser user, SignInFlow flow, Stopwatch clock)
    {
        int calls = 0, unavailable = 0;
        var lastUnavailable = TimeSpan.Zero;
        var lastStatus = 0;
        while (clock.Elapsed < WatchAfterKill)
        {
            var (status, body) = await flow.FetchAsync($"/api/tenants/{ClusterFixture.MachineTenant}");
            calls++;
            lastStatus = status;
            if (status == (int)HttpStatusCode.ServiceUnavailable)
            {
                unavailable++;
                lastUnavailable = clock.Elapsed;
            }
            else
            {
                Assert.True(status == 200, $"{user.Email}'s session got {status} at {clock.Elapsed.TotalSeconds:F1} s after the kill: {body}");
            }
            await Task.Delay(1000);
        }
        return new SessionWatch(user.Email, calls, unavailable, lastUnavailable, lastStatus == 200);
    }

    /// <summary>Signs in, starting over from /login after an error page, for at most 60 s after the kill.</summary>
    private async Task<(int Attempts, TimeSpan At)> SignInWithRetriesAsync(SeedUser user, SignInFlow flow, Stopwatch clock, bool alreadyOnPasswordForm)
    {
        var attempts = 0;
        var errors = new List<string>();
        while (clock.Elapsed < TimeSpan.FromSeconds(60))
        {
            attempts++;
            var signedIn = attempts == 1 && alreadyOnPasswordForm
                ? await TryAsync(() => flow.SubmitPasswordAsync(user.Email, user.Password), flow)
                : await TrySignInAsync(flow, user);
            if (signedIn)
            {
                foreach (var error in errors)
                {
                    output.WriteLine($"{user.Email}, a failed attempt: {error}");
                }
                return (attempts, clock.Elapsed);
            }
            errors.Add(await flow.DescribePageAsync());
            await Task.Delay(500);
        }
        throw new InvalidOperationException($"{user.Email} could not sign in within 60 s of the kill ({attempts} attempts: {string.Join(" | ", errors)}):\n"
            + fixture.Cluster.Diagnostics());
    }

    private static Task<bool> TrySignInAsync(SignInFlow flow, SeedUser user) =>
        TryAsync(() => flow.EnterPasswordAsync(ClusterFixture.MachineTenant, user.Email, user.Password), flow);

    private static async Task<bool> TryAsync(Func<Task> steps, SignInFlow flow)
    {
        try
        {
            await steps();
            return await flow.ArrivedAtSessionAsync(TimeSpan.FromSeconds(10));
        }
        catch (Exception exception) when (exception is PlaywrightException or TimeoutException)
        {
            // A form that did not come: an error page (the person starts over), or no form at all because the
            // identity service still knew the person from an attempt whose last step failed, and went straight
            // back to the gateway's /me: signed in.
            return await flow.ArrivedAtSessionAsync(TimeSpan.FromSeconds(5));
        }
    }

    private async Task<HttpClient> BothInstancesInRotationAsync()
    {
        using (var operatorClient = fixture.Cluster.CreateOperatorClient())
        {
            using var created = await TenantClient.CreateAsync(operatorClient, ClusterFixture.MachineTenant);
            // Created by the first test of the class; the same create again is idempotent (200).
            Assert.True(created.StatusCode is HttpStatusCode.Created or HttpStatusCode.OK, $"tenant create answered {created.StatusCode}");
        }
        var gateway = new HttpClient { BaseAddress = fixture.Cluster.Gateway!.BaseAddress, Timeout = TimeSpan.FromSeconds(15) };
        await GatewayHealth.WaitForAsync(gateway, "identity", r => r.Count == 2, TimeSpan.FromSeconds(60));
        return gateway;
    }

    private async Task<string> TokensAsync()
    {
        await using var connection = new NpgsqlConnection(fixture.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            """SELECT concat_ws(' ', "Type", "Status", "Subject", "CreationDate", "ExpirationDate", "RedemptionDate") FROM identity."OpenIddictTokens" ORDER BY "CreationDate" """, connection);
        return string.Join('\n', await SqlColumn.ReadAsync<string>(command));
    }

    /// <summary>Refresh tokens redeemed since <paramref name="since"/>, per person: each is one refresh done.</summary>
    private async Task<Dictionary<string, int>> RefreshesRedeemedSinceAsync(DateTimeOffset since)
    {
        await using var connection = new NpgsqlConnection(fixture.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            """
            SELECT u."Email", count(*)::int
            FROM identity."OpenIddictTokens" t JOIN identity."AspNetUsers" u ON u."Id" = t."Subject"
            WHERE t."Type" = 'urn:ietf:params:oauth:token-type:refresh_token' AND t."RedemptionDate" > $1
            GROUP BY u."Email"
            """, connection);
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = since });
        var result = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            result[reader.GetString(0)] = reader.GetInt32(1);
        }
        return result;
    }
}
