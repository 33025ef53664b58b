using System.Security.Claims;
using System.Text;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.DataProtection;
using Npgsql;
using SaaSReference.Database;
using SaaSReference.Gateway.Session;
using SaaSReference.Gateway.Tests.Infrastructure;
using SaaSReference.Testing;

namespace SaaSReference.Gateway.Tests;

/// <summary>The server-side session store on a real, migrated PostgreSQL database.</summary>
[Collection(PostgresCollection.Name)]
public sealed class TicketStoreTests(PostgresFixture postgres)
{
    private readonly EphemeralDataProtectionProvider _keys = new();

    [Fact]
    public async Task TicketStore_StoredTicket_RoundTripsClaimsTokensAndExpiry()
    {
        var (store, _) = await CreateStoreAsync();
        var expires = DateTimeOffset.UtcNow.AddHours(8);

        var key = await store.StoreAsync(Ticket("access-1", expires));
        var read = await store.RetrieveAsync(key);

        Assert.NotNull(read);
        Assert.Equal("Ada", read.Principal.Identity?.Name);
        Assert.Equal("acme", read.Principal.FindFirstValue("tenant_id"));
        Assert.Equal("access-1", read.Properties.GetTokenValue("access_token"));
        Assert.Equal(expires.ToUnixTimeSeconds(), read.Properties.ExpiresUtc?.ToUnixTimeSeconds());
        Assert.True(key.Length >= 43, "the key carries 256 random bits");
    }

    [Fact]
    public async Task TicketStore_StoredBytes_AreProtectedNotThePlainTicket()
    {
        var (store, connectionString) = await CreateStoreAsync();
        var ticket = Ticket("secret-access-token", DateTimeOffset.UtcNow.AddHours(1));

        var key = await store.StoreAsync(ticket);

        var stored = await ReadRawAsync(connectionString, key);
        Assert.NotEqual(TicketSerializer.Default.Serialize(ticket), stored);
        Assert.DoesNotContain("secret-access-token", Encoding.UTF8.GetString(stored), StringComparison.Ordinal);
        Assert.DoesNotContain("Ada", Encoding.UTF8.GetString(stored), StringComparison.Ordinal);
        // A store with another key ring (another deployment, or a stolen dump) reads no session from it.
        var stranger = new PostgresTicketStore(NpgsqlDataSource.Create(connectionString), new EphemeralDataProtectionProvider(), TimeProvider.System);
        Assert.Null(await stranger.RetrieveAsync(key));
    }

    [Fact]
    public async Task TicketStore_ExpiredSession_IsNotReturnedAndIsDeletedAtTheNextSignIn()
    {
        var (store, connectionString) = await CreateStoreAsync();

        var expired = await store.StoreAsync(Ticket("access-1", DateTimeOffset.UtcNow.AddSeconds(-1)));

        Assert.Null(await store.RetrieveAsync(expired));
        await store.StoreAsync(Ticket("access-2", DateTimeOffset.UtcNow.AddHours(1)));
        Assert.Empty(await ReadRawAsync(connectionString, expired));
    }

    [Fact]
    public async Task TicketStore_Renew_ExtendsTheLifetimeButKeepsTheStoredTokens()
    {
        var (store, _) = await CreateStoreAsync();
        var key = await store.StoreAsync(Ticket("refreshed-token", DateTimeOffset.UtcNow.AddMinutes(10)));
        var later = DateTimeOffset.UtcNow.AddHours(8);

        // The cookie handler's sliding renewal carries the (older) tokens it read when its request began.
        await store.RenewAsync(key, Ticket("stale-token", later));

        var read = await store.RetrieveAsync(key);
        Assert.NotNull(read);
        Assert.Equal(later.ToUnixTimeSeconds(), read.Properties.ExpiresUtc?.ToUnixTimeSeconds());
        Assert.Equal("refreshed-token", read.Properties.GetTokenValue("access_token"));
    }

    [Fact]
    public async Task TicketStore_Remove_EndsTheSessionAndALateRenewDoesNotReviveIt()
    {
        var (store, _) = await CreateStoreAsync();
        var key = await store.StoreAsync(Ticket("access-1", DateTimeOffset.UtcNow.AddHours(1)));

        await store.RemoveAsync(key);
        await store.RenewAsync(key, Ticket("access-1", DateTimeOffset.UtcNow.AddHours(8)));

        Assert.Null(await store.RetrieveAsync(key));
    }

    private async Task<(PostgresTicketStore Store, string ConnectionString)> CreateStoreAsync()
    {
        var connectionString = await postgres.CreateDatabaseAsync("tickets");
        await SchemaMigrator.MigrateAsync(connectionString);
        return (new PostgresTicketStore(NpgsqlDataSource.Create(connectionString), _keys, TimeProvider.System), connectionString);
    }

    private static AuthenticationTicket Ticket(string accessToken, DateTimeOffset expires)
    {
        var properties = new AuthenticationProperties { IssuedUtc = DateTimeOffset.UtcNow, ExpiresUtc = expires };
        properties.StoreTokens([new AuthenticationToken { Name = "access_token", Value = accessToken }]);
        return new AuthenticationTicket(SignInStack.User(), properties, SessionDefaults.CookieScheme);
    }

    private static async Task<byte[]> ReadRawAsync(string connectionString, string key)
    {
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        await using var command = dataSource.CreateCommand("SELECT ticket FROM gateway.sessions WHERE key = $1");
        command.Parameters.Add(new() { Value = key });
        return await command.ExecuteScalarAsync() as byte[] ?? [];
    }
}
