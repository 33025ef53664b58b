using System.Globalization;
using Microsoft.AspNetCore.Mvc.Testing;
using SaaSReference.Identity.Tests.Infrastructure;
using SaaSReference.Testing;

namespace SaaSReference.Identity.Tests.SignIn;

/// <summary>
/// The identity service in-process with its real sign-in pages (no test sign-in), on a throwaway PostgreSQL,
/// seeded like every test instance (<see cref="TestSeed"/>) plus one person per sign-in scenario.
/// </summary>
public sealed class SignInEnvironment : IAsyncLifetime
{
    /// <summary>The password of the sign-in scenarios' people: long, uncommon, unrelated to their names.</summary>
    public const string Password = "violet harbour engine quietly 47";

    private readonly PostgresFixture _postgres = new();
    private IdentityFactory? _identity;

    public IdentityFactory Identity => _identity ?? throw new InvalidOperationException("Not started.");

    public IServiceProvider Services => Identity.Services;

    public string ConnectionString { get; private set; } = "";

    public async Task InitializeAsync()
    {
        await _postgres.InitializeAsync();
        ConnectionString = await _postgres.CreateDatabaseAsync("signin");
        var settings = TestSeed.Settings(ConnectionString);
        var next = Enumerable.Range(0, 1000).First(i => !settings.ContainsKey(Key(i, "Email")));
        foreach (var (email, tenant, role) in TestPeople.All)
        {
            settings[Key(next, "Email")] = email;
            settings[Key(next, "DisplayName")] = email.Split('@')[0];
            settings[Key(next, "Password")] = Password;
            settings[Key(next, "TenantId")] = tenant;
            settings[Key(next, "Roles:0")] = role;
            next++;
        }
        _identity = new IdentityFactory(settings, testSignIn: false);
        await _identity.StartAsync();
    }

    /// <summary>A browser of its own: cookies, no automatic redirects (it follows those of this service itself).</summary>
    public Browser NewBrowser() => new(Identity.CreateClient(new WebApplicationFactoryClientOptions
    {
        AllowAutoRedirect = false,
        HandleCookies = true,
        BaseAddress = new Uri("http://localhost/"),
    }));

    public async Task DisposeAsync()
    {
        if (_identity is not null)
        {
            await _identity.DisposeAsync();
        }
        await _postgres.DisposeAsync();
    }

    private static string Key(int index, string field) =>
        string.Create(CultureInfo.InvariantCulture, $"Identity:Seed:Users:{index}:{field}");
}

/// <summary>One collection, so that all sign-in tests share one database and one instance.</summary>
[CollectionDefinition(Name)]
public sealed class SignInCollection : ICollectionFixture<SignInEnvironment>
{
    public const string Name = "Sign-in pages";
}

/// <summary>The people of the sign-in scenarios, one each, so that lockouts, rate limits and TOTP steps never cross tests.</summary>
public static class TestPeople
{
    public const string FlowAdmin = "flow.admin@tenant-a.example";
    public const string ReplayAdmin = "replay.admin@tenant-a.example";
    public const string RecoveryAdmin = "recovery.admin@tenant-a.example";
    public const string RateLimitAdmin = "ratelimit.admin@tenant-a.example";
    public const string WrongTenantUser = "wrongtenant.user@tenant-a.example";
    public const string LockoutUser = "lockout.user@tenant-a.example";
    public const string WeakPasswordUser = "weak.user@tenant-a.example";
    public const string PolicyTenantUser = "policy.user@tenant-p.example";
    public const string Operator = "operator@platform.example";
    public const string PasswordOnlyOperator = "pwd.operator@platform.example";
    public const string AccountAdmin = "account.admin@tenant-a.example";

    public static readonly IReadOnlyList<(string Email, string? Tenant, string Role)> All =
    [
        (FlowAdmin, "tenant-a", "tenant-admin"),
        (ReplayAdmin, "tenant-a", "tenant-admin"),
        (RecoveryAdmin, "tenant-a", "tenant-admin"),
        (RateLimitAdmin, "tenant-a", "tenant-admin"),
        (WrongTenantUser, "tenant-a", "tenant-user"),
        (LockoutUser, "tenant-a", "tenant-user"),
        (WeakPasswordUser, "tenant-a", "tenant-user"),
        (PolicyTenantUser, "tenant-p", "tenant-user"),
        (Operator, null, "operator"),
        (PasswordOnlyOperator, null, "operator"),
        (AccountAdmin, "tenant-a", "tenant-admin"),
    ];
}
