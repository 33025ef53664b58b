using Npgsql;
using SaaSReference.Database;
using SaaSReference.Identity.Security;
using SaaSReference.Testing;

namespace SaaSReference.Identity.Tests.Security;

/// <summary>
/// The step store on a real PostgreSQL with the migrated schema (0006_identity_mfa.sql): a step is accepted
/// once, atomically, and only when later than the last (RFC 6238 5.2; 9.2.3a, 13.2.2d).
/// </summary>
public sealed class PostgresTotpStepStoreTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>
{
    private async Task<NpgsqlDataSource> MigratedDatabaseAsync()
    {
        var connectionString = await postgres.CreateDatabaseAsync("totp");
        await SchemaMigrator.MigrateAsync(connectionString);
        return NpgsqlDataSource.Create(connectionString);
    }

    // Ten rounds, so that later rounds run on warm pooled connections and really overlap.
    [Fact]
    public async Task StepStore_TwentyParallelConsumesOfSameStep_ExactlyOneWins()
    {
        await using var dataSource = await MigratedDatabaseAsync();
        var store = new PostgresTotpStepStore(dataSource);

        for (var step = 1_000L; step < 1_010; step++)
        {
            var consume = step;
            var results = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ =>
                Task.Run(() => store.TryConsumeAsync("alice", consume, CancellationToken.None))));

            Assert.Single(results, accepted => accepted);
        }
    }

    [Fact]
    public async Task StepStore_SameOrOlderStepAfterAccepted_Refused()
    {
        await using var dataSource = await MigratedDatabaseAsync();
        var store = new PostgresTotpStepStore(dataSource);

        Assert.True(await store.TryConsumeAsync("alice", 100, CancellationToken.None));
        Assert.False(await store.TryConsumeAsync("alice", 100, CancellationToken.None));
        Assert.False(await store.TryConsumeAsync("alice", 99, CancellationToken.None));
        Assert.True(await store.TryConsumeAsync("alice", 101, CancellationToken.None));
        Assert.False(await store.TryConsumeAsync("alice", 100, CancellationToken.None));
        Assert.Equal(101L, await LastStepAsync(dataSource, "alice"));
    }

    [Fact]
    public async Task StepStore_Users_AreIndependent()
    {
        await using var dataSource = await MigratedDatabaseAsync();
        var store = new PostgresTotpStepStore(dataSource);

        Assert.True(await store.TryConsumeAsync("alice", 100, CancellationToken.None));
        Assert.True(await store.TryConsumeAsync("bob", 100, CancellationToken.None));
        Assert.False(await store.TryConsumeAsync("bob", 50, CancellationToken.None));
    }

    [Fact]
    public async Task StepStore_Reset_AcceptsAnEarlierStepAgain()
    {
        await using var dataSource = await MigratedDatabaseAsync();
        var store = new PostgresTotpStepStore(dataSource);
        Assert.True(await store.TryConsumeAsync("alice", 100, CancellationToken.None));
        Assert.True(await store.TryConsumeAsync("bob", 100, CancellationToken.None));

        await store.ResetAsync("alice", CancellationToken.None);

        Assert.True(await store.TryConsumeAsync("alice", 90, CancellationToken.None));
        Assert.False(await store.TryConsumeAsync("bob", 100, CancellationToken.None));
    }

    [Fact]
    public async Task Provider_OnPostgresTwentyParallelSameCode_ExactlyOneAccepted()
    {
        await using var dataSource = await MigratedDatabaseAsync();
        var clock = new ManualTimeProvider(DateTimeOffset.UtcNow);
        using var identity = new TestIdentity(new PostgresTotpStepStore(dataSource), clock);
        var (user, secret) = await identity.CreateUserWithKeyAsync();
        var code = Totp.Compute(secret, Totp.StepAt(clock.Now));
        var provider = identity.Users.Options.Tokens.AuthenticatorTokenProvider;

        // UserManager is not thread-safe, but the provider and the store are; each call reads the same user.
        var results = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ =>
            Task.Run(() => identity.Users.VerifyTwoFactorTokenAsync(user, provider, code))));

        Assert.Single(results, accepted => accepted);
        Assert.False(await identity.Users.VerifyTwoFactorTokenAsync(user, provider, code));
    }

    private static async Task<long?> LastStepAsync(NpgsqlDataSource dataSource, string userId)
    {
        await using var command = dataSource.CreateCommand("SELECT step FROM identity.totp_last_step WHERE user_id = $1");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = userId });
        return await command.ExecuteScalarAsync() as long?;
    }
}
