using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Npgsql;
using SaaSReference.Identity.Tests.Infrastructure;

namespace SaaSReference.Identity.Tests.Protocol;

/// <summary>9.1.1a, 17.2.1a: two identity instances on one database are interchangeable.</summary>
[Collection(ProtocolCollection.Name)]
public sealed class TwoInstancesTests(IdentityEnvironment environment) : IAsyncLifetime
{
    private IdentityFactory _first = null!;
    private IdentityFactory _second = null!;
    private string _database = "";

    public async Task InitializeAsync() => (_database, _first, _second) = await environment.PairAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task TwoInstances_StartedTogether_CreateOneKeyPairAndSeedOnce()
    {
        await using var dataSource = NpgsqlDataSource.Create(_database);
        Assert.Equal(1L, await ScalarAsync(dataSource, "SELECT count(*) FROM identity.credential_keys WHERE use = 'sig'"));
        Assert.Equal(1L, await ScalarAsync(dataSource, "SELECT count(*) FROM identity.credential_keys WHERE use = 'enc'"));
        Assert.Equal(1L, await ScalarAsync(dataSource, $"SELECT count(*) FROM identity.\"OpenIddictApplications\" WHERE \"ClientId\" = '{TestSeed.AcmeWorker}'"));
        Assert.Equal(1L, await ScalarAsync(dataSource, $"SELECT count(*) FROM identity.\"AspNetUsers\" WHERE \"NormalizedEmail\" = '{TestSeed.Operator.ToUpperInvariant()}'"));
        Assert.Equal(1L, await ScalarAsync(dataSource, "SELECT count(*) FROM identity.\"OpenIddictScopes\" WHERE \"Name\" = 'api'"));
    }

    [Fact]
    public async Task TwoInstances_Always_ServeTheSameSigningKey()
    {
        var first = await JwksAsync(_first);
        var second = await JwksAsync(_second);

        Assert.Equal(first, second);
    }

    [Fact]
    public async Task TwoInstances_AccessTokenFromOne_IsActiveAtTheOthersIntrospection()
    {
        var issued = await OAuth.ClientCredentialsAsync(_first.CreateHttpClient(), TestSeed.AcmeWorker, TestSeed.AcmeWorkerSecret);

        var introspection = await OAuth.IntrospectAsync(_second.CreateHttpClient(), issued.AccessToken);

        Assert.Equal(HttpStatusCode.OK, introspection.Status);
        Assert.True(introspection.Body.GetProperty("active").GetBoolean());
        Assert.Equal("acme", introspection.Body.GetProperty("tenant_id").GetString());
        Assert.Equal(TestSeed.AcmeWorker, introspection.Body.GetProperty("client_id").GetString());
    }

    [Fact]
    public async Task TwoInstances_RefreshTokenFromOne_IsRedeemedByTheOther()
    {
        var signedIn = await OAuth.SignInAsync(_first.CreateHttpClient(), TestSeed.AcmeUser);
        Assert.Equal(HttpStatusCode.OK, signedIn.Status);

        var refreshed = await OAuth.RefreshAsync(_second.CreateHttpClient(), signedIn.RefreshToken);

        Assert.Equal(HttpStatusCode.OK, refreshed.Status);
        Assert.Equal("acme", refreshed.Jwt.GetClaim("tenant_id").Value);
    }

    private static async Task<string> JwksAsync(IdentityFactory instance)
    {
        var keys = await instance.CreateHttpClient().GetFromJsonAsync<JsonElement>("/identity/.well-known/jwks");
        return string.Join(',', keys.GetProperty("keys").EnumerateArray().Select(k => k.GetProperty("kid").GetString() + ":" + k.GetProperty("n").GetString()));
    }

    private static async Task<long> ScalarAsync(NpgsqlDataSource dataSource, string sql)
    {
        await using var command = dataSource.CreateCommand(sql);
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
