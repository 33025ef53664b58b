using System.Diagnostics;
using System.Globalization;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Npgsql;
using SaaSReference.Contracts.Quotas;
using SaaSReference.Contracts.Tenants;
using SaaSReference.Database.Keys;
using SaaSReference.Database.Quotas;
using SaaSReference.Gateway.Tests.Infrastructure;
using SaaSReference.Testing;
using Xunit.Abstractions;

namespace SaaSReference.Gateway.Tests.RateLimiting;

/// <summary>
/// A sign-in stack with the admission control on (12.1.3b/c): its own database, migrated by the gateway, with a
/// signing key put in place the way the identity service does it, so that <see cref="Token"/> mints access tokens
/// the gateway accepts; and the tenants' standings written to <c>platform.tenant_limits</c> as the tenant grain does.
/// </summary>
public sealed class AdmissionStack : IAsyncDisposable
{
    public const string Audience = "saasreference-api";

    private readonly StoredCredentialKey _key;
    private long _revision;

    private AdmissionStack(SignInStack signIn, NpgsqlDataSource database, StoredCredentialKey key)
    {
        SignIn = signIn;
        Database = database;
        _key = key;
    }

    public SignInStack SignIn { get; }
    public NpgsqlDataSource Database { get; }
    public HttpClient Client => SignIn.Client;
    public IServiceProvider Services => SignIn.Services;
    public PlatformLimitsWatcher Watcher => Services.GetRequiredService<PlatformLimitsWatcher>();

    /// <param name="postgres">The server the stack gets a fresh database on.</param>
    /// <param name="output">Where the stack reports timings.</param>
    /// <param name="settings">Laid over the defaults below (anonymous callers: practically unlimited).</param>
    public static async Task<AdmissionStack> StartAsync(PostgresFixture postgres, ITestOutputHelper? output,
        IReadOnlyDictionary<string, string?>? settings = null)
    {
        var all = new Dictionary<string, string?>
        {
            ["Gateway:RateLimiting:Enabled"] = "true",
            ["Gateway:RateLimiting:Anonymous:RequestsPerSecond"] = "10000",
            ["Gateway:RateLimiting:Anonymous:Burst"] = "10000",
        };
        foreach (var (name, value) in settings ?? new Dictionary<string, string?>())
        {
            all[name] = value;
        }
        var signIn = await SignInStack.StartAsync(postgres, output, all);
        // Started: the schema is migrated. The identity service's key, as it would create it.
        var database = NpgsqlDataSource.Create(signIn.Services.GetRequiredService<IConfiguration>().GetConnectionString("platform")!);
        var protector = SigningKeyStore.CreateProtector(new EphemeralDataProtectionProvider());
        var store = new SigningKeyStore(database);
        await store.EnsureActiveKeysAsync(protector, TimeProvider.System, CancellationToken.None);
        var key = (await store.LoadPrivateAsync(CredentialKeyUse.Signing, protector, CancellationToken.None))[0];
        var stack = new AdmissionStack(signIn, database, key);
        await stack.Watcher.Loaded.WaitAsync(TimeSpan.FromSeconds(30));
        return stack;
    }

    /// <summary>An access token of a tenant's user, signed with the identity service's live key.</summary>
    public string Token(string tenantId, string subject = "user-1") =>
        Mint(new Dictionary<string, object> { ["sub"] = subject, ["tenant_id"] = tenantId });

    /// <summary>An access token of platform staff.</summary>
    public string StaffToken(string subject = "op-1") => Mint(new Dictionary<string, object> { ["sub"] = subject, ["role"] = "operator" });

    public string Mint(IDictionary<string, object> claims, SigningCredentials? credentials = null, string? issuer = null) =>
        new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
    {
        Issuer = issuer ?? SignIn.Identity.Authority,
        Audience = Audience,
        Claims = claims,
        Expires = DateTime.UtcNow.AddMinutes(5),
        TokenType = "at+jwt",
        SigningCredentials = credentials ?? new SigningCredentials(new RsaSecurityKey(_key.Parameters) { KeyId = _key.KeyId }, SecurityAlgorithms.RsaSha256),
    });

    /// <summary>The live key's id (a forger can read it from any real token's header).</summary>
    public string KeyId => _key.KeyId;

    /// <summary>Writes a standing with the next revision, as the tenant grain does; returns when the gateway has it.</summary>
    public async Task<TenantStanding> SetStandingAsync(string tenantId, QuotaOverrides overrides,
        TenantStatus status = TenantStatus.Active, string plan = "basic", bool waitForGateway = true)
    {
        var standing = new TenantStanding(tenantId, status, StatusReason.OperatorDecision, plan, overrides, Interlocked.Increment(ref _revision));
        await new TenantLimitsStore(Database).UpsertAsync(standing, DateTimeOffset.UtcNow);
        if (waitForGateway)
        {
            await WaitUntilAsync($"the gateway has revision {standing.Revision} of {tenantId}",
                () => Task.FromResult(Watcher.Find(tenantId)?.Revision == standing.Revision), TimeSpan.FromSeconds(10));
        }
        return standing;
    }

    /// <summary>GET with a bearer token (or none).</summary>
    public async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string? bearer = null, string? cookie = null)
    {
        using var request = SignInStack.Request(method, path, cookie, csrf: cookie is not null, bearer: bearer);
        return await Client.SendAsync(request);
    }

    /// <summary>How many requests for <paramref name="path"/> reached any silo.</summary>
    public int SiloRequests(string path) => SignIn.Stack.Destinations
        .Where(d => GatewayStack.ClusterOf(d.Name) == "silo")
        .Sum(d => d.Requests.Count(r => r.Path == path));

    public async Task<long> RejectionsInDatabaseAsync(string tenantId)
    {
        await using var command = Database.CreateCommand("SELECT coalesce(sum(rejected), 0)::bigint FROM platform.limit_rejections WHERE tenant_id = $1");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = tenantId });
        return (long)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>Polls every 20 ms until <paramref name="condition"/> holds; returns the time it took.</summary>
    public static async Task<TimeSpan> WaitUntilAsync(string what, Func<Task<bool>> condition, TimeSpan bound)
    {
        var clock = Stopwatch.StartNew();
        while (!await condition())
        {
            if (clock.Elapsed > bound)
            {
                throw new TimeoutException(string.Create(CultureInfo.InvariantCulture, $"{what}: not within {bound.TotalSeconds} s."));
            }
            await Task.Delay(20);
        }
        return clock.Elapsed;
    }

    public async ValueTask DisposeAsync()
    {
        await SignIn.DisposeAsync();
        await Database.DisposeAsync();
    }
}
