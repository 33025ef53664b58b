using SaaSReference.Testing;

namespace SaaSReference.Identity.Tests.Infrastructure;

[CollectionDefinition(Name)]
public sealed class ProtocolCollection : ICollectionFixture<IdentityEnvironment>
{
    public const string Name = "Identity protocol";
}

/// <summary>
/// One throwaway PostgreSQL for the protocol tests, and one started, seeded identity instance on it
/// (<see cref="Identity"/>); tests that need a database or instances of their own ask for them.
/// </summary>
public sealed class IdentityEnvironment : IAsyncLifetime
{
    private readonly PostgresFixture _postgres = new();
    private readonly List<IdentityFactory> _factories = [];
    private IdentityFactory? _identity;
    private Task<InstancePair>? _pair;
    private Task<IdentityFactory>? _withPages;

    public IdentityFactory Identity => _identity ?? throw new InvalidOperationException("Not started.");

    public string ConnectionString { get; private set; } = "";

    public async Task InitializeAsync()
    {
        await _postgres.InitializeAsync();
        ConnectionString = await _postgres.CreateDatabaseAsync("identity");
        _identity = Track(new IdentityFactory(TestSeed.Settings(ConnectionString)));
        await _identity.StartAsync();
        // The shared tenants collect many fixture accounts across the tests (12.1.3c: the basic plan allows 10 users):
        // the platform has them on the premium plan, as the tenant grain would have written it.
        foreach (var tenant in new[] { "acme", "globex" })
        {
            await TenantLimits.SetAsync(_identity, TenantLimits.Active(tenant, 1, plan: "premium"));
        }
    }

    public Task<string> CreateDatabaseAsync(string prefix) => _postgres.CreateDatabaseAsync(prefix);

    /// <summary>An instance on the shared database as deployed: authorize requests reach the sign-in pages.</summary>
    public Task<IdentityFactory> WithSignInPagesAsync() => _withPages ??= StartWithPagesAsync();

    /// <summary>Two instances on a database of their own, started at the same moment (created once, on first use).</summary>
    public Task<InstancePair> PairAsync() => _pair ??= StartPairAsync();

    /// <summary>A further instance (not started), disposed with the environment.</summary>
    public IdentityFactory CreateInstance(IReadOnlyDictionary<string, string?> settings, bool testSignIn = true) =>
        Track(new IdentityFactory(settings, testSignIn));

    public async Task DisposeAsync()
    {
        foreach (var factory in _factories)
        {
            await factory.DisposeAsync();
        }
        await _postgres.DisposeAsync();
    }

    private async Task<IdentityFactory> StartWithPagesAsync()
    {
        var instance = CreateInstance(TestSeed.Settings(ConnectionString), testSignIn: false);
        await instance.StartAsync();
        return instance;
    }

    private async Task<InstancePair> StartPairAsync()
    {
        var database = await CreateDatabaseAsync("pair");
        var pair = new InstancePair(database, CreateInstance(TestSeed.Settings(database)), CreateInstance(TestSeed.Settings(database)));
        // Migration, key creation and seeding race, as when both containers start.
        await Task.WhenAll(pair.First.StartAsync(), pair.Second.StartAsync());
        return pair;
    }

    private IdentityFactory Track(IdentityFactory factory)
    {
        _factories.Add(factory);
        return factory;
    }
}

/// <summary>Two identity instances sharing <paramref name="ConnectionString"/>.</summary>
public sealed record InstancePair(string ConnectionString, IdentityFactory First, IdentityFactory Second);
