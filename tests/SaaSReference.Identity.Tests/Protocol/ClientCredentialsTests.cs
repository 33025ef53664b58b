using System.Net;
using SaaSReference.Identity.Events;
using SaaSReference.Identity.Tests.Infrastructure;

namespace SaaSReference.Identity.Tests.Protocol;

[Collection(ProtocolCollection.Name)]
public sealed class ClientCredentialsTests(IdentityEnvironment environment)
{
    [Fact]
    public async Task ClientCredentials_TenantMachineClient_GetsSignedJwtForItsTenant()
    {
        var response = await OAuth.ClientCredentialsAsync(environment.Identity.CreateHttpClient(), TestSeed.AcmeWorker, TestSeed.AcmeWorkerSecret);

        Assert.Equal(HttpStatusCode.OK, response.Status);
        Assert.Equal("no-store", response.Message.Headers.CacheControl?.ToString());
        var jwt = response.Jwt;
        Assert.Equal("at+jwt", jwt.Typ);
        Assert.Equal("RS256", jwt.Alg);
        Assert.False(string.IsNullOrEmpty(jwt.Kid));
        Assert.Equal(TestSeed.Issuer, jwt.Issuer);
        Assert.Equal(["saasreference-api"], jwt.Audiences);
        Assert.Equal(TestSeed.AcmeWorker, jwt.Subject);
        Assert.Equal("acme", jwt.GetClaim("tenant_id").Value);
        Assert.Equal("api", jwt.GetClaim("scope").Value);
        Assert.InRange(jwt.ValidTo - jwt.IssuedAt, TimeSpan.FromMinutes(9), TimeSpan.FromMinutes(10));
    }

    [Fact]
    public async Task ClientCredentials_TenantIdInTheRequest_IsIgnored()
    {
        var response = await OAuth.ClientCredentialsAsync(environment.Identity.CreateHttpClient(), TestSeed.AcmeWorker, TestSeed.AcmeWorkerSecret,
            extra: new Dictionary<string, string> { ["tenant_id"] = "globex" });

        Assert.Equal(HttpStatusCode.OK, response.Status);
        Assert.Equal("acme", response.Jwt.GetClaim("tenant_id").Value);
    }

    [Fact]
    public async Task ClientCredentials_OtherTenantsClient_GetsOnlyItsOwnTenant()
    {
        var response = await OAuth.ClientCredentialsAsync(environment.Identity.CreateHttpClient(), TestSeed.GlobexWorker, TestSeed.GlobexWorkerSecret);

        Assert.Equal("globex", response.Jwt.GetClaim("tenant_id").Value);
    }

    [Fact]
    public async Task ClientCredentials_WrongSecret_IsInvalidClient()
    {
        var response = await OAuth.ClientCredentialsAsync(environment.Identity.CreateHttpClient(), TestSeed.AcmeWorker, TestSeed.GlobexWorkerSecret);

        // RFC 6749 5.2: a failed client authentication may answer 401.
        Assert.Equal(HttpStatusCode.Unauthorized, response.Status);
        Assert.Equal("invalid_client", response.Error);
        Assert.False(response.Body.TryGetProperty("access_token", out _));
    }

    [Theory]
    [InlineData("email")]
    [InlineData("api profile")]
    public async Task ClientCredentials_ScopeTheClientLacks_IsRefused(string scope)
    {
        var response = await OAuth.ClientCredentialsAsync(environment.Identity.CreateHttpClient(), TestSeed.AcmeWorker, TestSeed.AcmeWorkerSecret, scope);

        Assert.Equal(HttpStatusCode.BadRequest, response.Status);
        Assert.Equal("invalid_request", response.Error);
        Assert.Contains("scope", response.Body.GetProperty("error_description").GetString(), StringComparison.OrdinalIgnoreCase);
        Assert.False(response.Body.TryGetProperty("access_token", out _));
    }

    [Fact]
    public async Task ClientCredentials_GatewayClient_IsNotAllowedTheGrant()
    {
        var response = await OAuth.ClientCredentialsAsync(environment.Identity.CreateHttpClient(), TestSeed.GatewayClientId, TestSeed.GatewaySecret);

        Assert.Equal(HttpStatusCode.BadRequest, response.Status);
        Assert.Equal("unauthorized_client", response.Error);
    }

    [Fact]
    public async Task ClientCredentials_Issued_RaisesTokenIssuedEvent()
    {
        var response = await OAuth.ClientCredentialsAsync(environment.Identity.CreateHttpClient(), TestSeed.GlobexWorker, TestSeed.GlobexWorkerSecret);
        Assert.Equal(HttpStatusCode.OK, response.Status);

        var issued = environment.Identity.Events.OfType(SecurityEventTypes.TokenIssued).Last(e => e.ClientId == TestSeed.GlobexWorker);
        Assert.Equal("globex", issued.TenantId);
        Assert.Null(issued.UserId);
        Assert.Equal(SecurityEventOutcomes.Success, issued.Outcome);
        Assert.Equal("access_token", issued.Details!["tokens"]);
        Assert.DoesNotContain(response.AccessToken, string.Join(' ', issued.Details.Values), StringComparison.Ordinal);
    }
}
