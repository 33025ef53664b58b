using System.Net;
using SaaSReference.Identity.Events;
using SaaSReference.Identity.Tests.Infrastructure;

namespace SaaSReference.Identity.Tests.Protocol;

[Collection(ProtocolCollection.Name)]
public sealed class RevocationAndIntrospectionTests(IdentityEnvironment environment)
{
    [Fact]
    public async Task Introspection_ResourceServerClient_SeesAnActiveTokenWithItsTenant()
    {
        var http = environment.Identity.CreateHttpClient();
        var token = await OAuth.ClientCredentialsAsync(http, TestSeed.GlobexWorker, TestSeed.GlobexWorkerSecret);

        var introspection = await OAuth.IntrospectAsync(http, token.AccessToken);

        Assert.Equal(HttpStatusCode.OK, introspection.Status);
        Assert.True(introspection.Body.GetProperty("active").GetBoolean());
        Assert.Equal("globex", introspection.Body.GetProperty("tenant_id").GetString());
        Assert.Equal("no-store", introspection.Message.Headers.CacheControl?.ToString());
    }

    [Fact]
    public async Task Introspection_ClientWithoutThePermission_IsRefused()
    {
        var http = environment.Identity.CreateHttpClient();
        var token = await OAuth.ClientCredentialsAsync(http, TestSeed.AcmeWorker, TestSeed.AcmeWorkerSecret);

        // A machine client may only ask for tokens; it may not look into any, not even its own.
        var introspection = await OAuth.IntrospectAsync(http, token.AccessToken, TestSeed.AcmeWorker, TestSeed.AcmeWorkerSecret);

        Assert.Equal(HttpStatusCode.BadRequest, introspection.Status);
        Assert.Equal("unauthorized_client", introspection.Error);
        Assert.False(introspection.Body.TryGetProperty("active", out _));
    }

    [Fact]
    public async Task Introspection_WrongClientSecret_IsRefused()
    {
        var http = environment.Identity.CreateHttpClient();
        var token = await OAuth.ClientCredentialsAsync(http, TestSeed.AcmeWorker, TestSeed.AcmeWorkerSecret);

        var introspection = await OAuth.IntrospectAsync(http, token.AccessToken, TestSeed.ApiClientId, "not-the-secret");

        Assert.Equal("invalid_client", introspection.Error);
    }

    [Fact]
    public async Task Revocation_AccessToken_IsInactiveAtIntrospectionAndRaisesEvent()
    {
        var http = environment.Identity.CreateHttpClient();
        var tokens = await OAuth.SignInAsync(http, TestSeed.AcmeUser);

        var revoked = await OAuth.RevokeAsync(http, tokens.AccessToken);

        Assert.Equal(HttpStatusCode.OK, revoked.Status);
        var introspection = await OAuth.IntrospectAsync(http, tokens.AccessToken);
        Assert.False(introspection.Body.GetProperty("active").GetBoolean());
        var raised = environment.Identity.Events.OfType(SecurityEventTypes.TokenRevoked).Last();
        Assert.Equal(TestSeed.GatewayClientId, raised.ClientId);
        Assert.Equal("acme", raised.TenantId);
        Assert.Equal("revocation-request", raised.Details!["reason"]);
    }

    [Fact]
    public async Task Revocation_RefreshToken_CannotBeRedeemedAfterwards()
    {
        var http = environment.Identity.CreateHttpClient();
        var tokens = await OAuth.SignInAsync(http, TestSeed.AcmeUser);

        Assert.Equal(HttpStatusCode.OK, (await OAuth.RevokeAsync(http, tokens.RefreshToken)).Status);
        var refreshed = await OAuth.RefreshAsync(http, tokens.RefreshToken);

        Assert.Equal("invalid_grant", refreshed.Error);
    }

    [Fact]
    public async Task Revocation_SomeoneElsesToken_DoesNotRevokeIt()
    {
        var http = environment.Identity.CreateHttpClient();
        var machine = await OAuth.ClientCredentialsAsync(http, TestSeed.AcmeWorker, TestSeed.AcmeWorkerSecret);

        var before = environment.Identity.Events.OfType(SecurityEventTypes.TokenRevoked).Count;

        // The gateway may revoke only tokens issued to it (RFC 7009 lets the answer be 200 all the same).
        await OAuth.RevokeAsync(http, machine.AccessToken);

        Assert.True((await OAuth.IntrospectAsync(http, machine.AccessToken)).Body.GetProperty("active").GetBoolean());
        Assert.Equal(before, environment.Identity.Events.OfType(SecurityEventTypes.TokenRevoked).Count);
    }
}
