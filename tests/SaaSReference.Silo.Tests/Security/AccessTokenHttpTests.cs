using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using SaaSReference.Database.Keys;
using SaaSReference.Silo.Security;
using static SaaSReference.Silo.Tests.ProblemAssert;

namespace SaaSReference.Silo.Tests.Security;

/// <summary>
/// The silo checks every access token itself, even when the gateway is bypassed (9.1.2a, 13.2.2c): only
/// an unexpired RS256 access token of the configured issuer and audience, signed with a key from PostgreSQL.
/// </summary>
[Collection(SecuredSiloCollection.Name)]
public sealed class AccessTokenHttpTests(SecuredSiloFactory factory)
{
    private const string Tenants = "/api/tenants";

    [Fact]
    public async Task Tenants_ValidOperatorToken_Returns200AndRecordsSubject()
    {
        using var http = factory.CreateBearerClient(factory.Tokens.Operator("op-carol"));
        using var list = await http.GetAsync(Tenants);
        Assert.Equal(HttpStatusCode.OK, list.StatusCode);

        var id = "tok-" + Guid.NewGuid().ToString("N")[..8];
        using var created = await CreateAsync(http, id);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var tenant = await created.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("op-carol", tenant.GetProperty("createdBy").GetString());
    }

    [Fact]
    public async Task Tenants_NoToken_Returns401ProblemWithBearerChallenge()
    {
        using var http = factory.CreateClient();
        using var response = await http.GetAsync(Tenants);
        await IsProblemAsync(response, HttpStatusCode.Unauthorized);
        Assert.Contains(response.Headers.WwwAuthenticate, challenge => challenge.Scheme == "Bearer");
    }

    public static TheoryData<string> RefusedTokens() =>
    [
        "expired", "no-exp", "tampered-signature", "tampered-payload", "wrong-issuer", "wrong-audience", "unknown-kid",
        "alg-none", "hs256-public-key", "id-token", "no-tenant-no-role", "tenant-and-operator", "two-tenants",
        "malformed-tenant", "not-a-jwt",
    ];

    [Theory]
    [MemberData(nameof(RefusedTokens))]
    public async Task Tenants_InvalidToken_Returns401Problem(string kind)
    {
        using var http = factory.CreateBearerClient(ForgedTokens.Make(factory.Tokens, kind));
        using var response = await http.GetAsync(Tenants);
        await IsProblemAsync(response, HttpStatusCode.Unauthorized);
        Assert.Contains(response.Headers.WwwAuthenticate, challenge => challenge.Scheme == "Bearer");
    }

    [Theory]
    [InlineData("tenant-user")]
    [InlineData("auditor")]
    public async Task Tenants_ValidTokenWithoutOperatorRole_Returns403Problem(string kind)
    {
        var token = kind == "tenant-user" ? factory.Tokens.TenantUser("acme") : factory.Tokens.Operator("aud-dave", Roles.Auditor);
        using var http = factory.CreateBearerClient(token);
        using var list = await http.GetAsync(Tenants);
        await IsProblemAsync(list, HttpStatusCode.Forbidden);
        // A tenant's users read only their own tenant (TenantRouteAccessTests); auditors read none here.
        using var read = await http.GetAsync($"{Tenants}/other-co");
        await IsProblemAsync(read, HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task Tenants_OperatorKeyAlongsideTokens_StillWorks()
    {
        using var http = factory.CreateClient();
        http.DefaultRequestHeaders.Add(OperatorKeyAuthenticationHandler.HeaderName, SecuredSiloFactory.OperatorKey);
        using var response = await http.GetAsync(Tenants);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Tenants_TokenOfNewlyCreatedKey_AcceptedWithoutRestart()
    {
        // A successor key written by the identity service (rollover) is trusted as soon as a token names it.
        await using var source = Npgsql.NpgsqlDataSource.Create(factory.ConnectionString);
        var store = new SigningKeyStore(source);
        var nearExpiry = new FixedTime(DateTimeOffset.UtcNow + SigningKeyStore.KeyLifetime - TimeSpan.FromDays(1));
        await store.EnsureActiveKeysAsync(factory.KeyProtector, nearExpiry, CancellationToken.None);
        var successor = (await store.LoadPrivateAsync(CredentialKeyUse.Signing, factory.KeyProtector, CancellationToken.None))[0];
        Assert.NotEqual(factory.Tokens.KeyId, successor.KeyId);
        var token = new TokenMinter(SecuredSiloFactory.Issuer, SecuredSiloFactory.Audience, successor).Operator();

        using var http = factory.CreateBearerClient(token);
        var deadline = DateTime.UtcNow + SigningKeyCache.UnknownKeyRetryInterval * 3;
        HttpStatusCode status;
        do
        {
            // Another test's made-up kid may have used the retry allowance a moment ago.
            using var response = await http.GetAsync(Tenants);
            status = response.StatusCode;
        }
        while (status != HttpStatusCode.OK && DateTime.UtcNow < deadline && await Delay());
        Assert.Equal(HttpStatusCode.OK, status);
    }

    private static async Task<bool> Delay()
    {
        await Task.Delay(500);
        return true;
    }
}
