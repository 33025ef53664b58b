using System.Net.Http.Json;
using System.Text.Json;
using Npgsql;
using SaaSReference.Database.Keys;
using SaaSReference.Identity.Tests.Infrastructure;

namespace SaaSReference.Identity.Tests.Protocol;

[Collection(ProtocolCollection.Name)]
public sealed class DiscoveryTests(IdentityEnvironment environment)
{
    [Fact]
    public async Task Discovery_Always_ListsEndpointsUnderTheIssuer()
    {
        var document = await environment.Identity.CreateHttpClient()
            .GetFromJsonAsync<JsonElement>("/identity/.well-known/openid-configuration");

        Assert.Equal(TestSeed.Issuer, document.GetProperty("issuer").GetString());
        foreach (var (name, path) in new[]
        {
            ("authorization_endpoint", "connect/authorize"), ("token_endpoint", "connect/token"),
            ("end_session_endpoint", "connect/endsession"), ("revocation_endpoint", "connect/revoke"),
            ("introspection_endpoint", "connect/introspect"), ("userinfo_endpoint", "connect/userinfo"),
        })
        {
            Assert.Equal(TestSeed.Issuer + path, document.GetProperty(name).GetString());
        }
        Assert.StartsWith(TestSeed.Issuer, document.GetProperty("jwks_uri").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Discovery_ReachedOnAnInternalHost_StillAdvertisesThePublicIssuerUrls()
    {
        // Behind the gateway the request's host is the instance's own (the gateway does not pass the public one on).
        const string publicIssuer = "http://127.0.0.1:8080/identity/";
        var instance = environment.CreateInstance(TestSeed.Settings(environment.ConnectionString, publicIssuer));

        var document = await instance.CreateHttpClient().GetFromJsonAsync<JsonElement>("/identity/.well-known/openid-configuration");

        Assert.Equal(publicIssuer, document.GetProperty("issuer").GetString());
        Assert.Equal(publicIssuer + "connect/authorize", document.GetProperty("authorization_endpoint").GetString());
        Assert.Equal(publicIssuer + "connect/token", document.GetProperty("token_endpoint").GetString());
        Assert.StartsWith(publicIssuer, document.GetProperty("jwks_uri").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Discovery_Always_OffersOnlyCodeWithS256AndTheConfiguredGrants()
    {
        var document = await environment.Identity.CreateHttpClient()
            .GetFromJsonAsync<JsonElement>("/identity/.well-known/openid-configuration");

        Assert.Equal(["S256"], Strings(document, "code_challenge_methods_supported"));
        Assert.Equal(["authorization_code", "client_credentials", "refresh_token"], Strings(document, "grant_types_supported").Order());
        Assert.Equal(["code"], Strings(document, "response_types_supported"));
        Assert.Contains("api", Strings(document, "scopes_supported"));
        Assert.Contains("offline_access", Strings(document, "scopes_supported"));
        Assert.Equal(["RS256"], Strings(document, "id_token_signing_alg_values_supported"));
    }

    [Fact]
    public async Task Jwks_Always_PublishesTheStoredRs256SigningKey()
    {
        var http = environment.Identity.CreateHttpClient();
        var document = await http.GetFromJsonAsync<JsonElement>("/identity/.well-known/openid-configuration");
        var jwksPath = new Uri(document.GetProperty("jwks_uri").GetString()!).AbsolutePath;
        var keys = (await http.GetFromJsonAsync<JsonElement>(jwksPath)).GetProperty("keys").EnumerateArray().ToList();

        await using var dataSource = NpgsqlDataSource.Create(environment.ConnectionString);
        var stored = await new SigningKeyStore(dataSource).LoadPublicSigningKeysAsync(CancellationToken.None);
        var key = Assert.Single(keys);
        Assert.Equal(stored[0].KeyId, key.GetProperty("kid").GetString());
        Assert.Equal("RSA", key.GetProperty("kty").GetString());
        Assert.Equal("RS256", key.GetProperty("alg").GetString());
        Assert.Equal("sig", key.GetProperty("use").GetString());
        // Never the private part.
        Assert.False(key.TryGetProperty("d", out _));
    }

    private static string[] Strings(JsonElement document, string name) =>
        [.. document.GetProperty(name).EnumerateArray().Select(e => e.GetString()!)];
}
