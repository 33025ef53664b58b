using System.Net;
using Microsoft.Extensions.DependencyInjection;
using OpenIddict.Abstractions;
using SaaSReference.Contracts.Quotas;
using SaaSReference.Contracts.Tenants;
using SaaSReference.Identity.Events;
using SaaSReference.Identity.OpenIddict;
using SaaSReference.Identity.Tenants;
using SaaSReference.Identity.Tests.Infrastructure;

namespace SaaSReference.Identity.Tests.Protocol;

/// <summary>
/// 12.1.3c, 12.2.1b/g at the token endpoint: a frozen, quarantined or terminated tenant's people get no tokens
/// (code redemption, refresh) and its machine clients none either (client credentials); active and throttled
/// tenants, tenants unknown to the platform and platform staff are not refused. Each test has a tenant of its own.
/// </summary>
[Collection(ProtocolCollection.Name)]
public sealed class TenantSuspensionTests(IdentityEnvironment environment)
{
    private IdentityFactory Identity => environment.Identity;

    [Fact]
    public async Task Refresh_AfterTheTenantIsFrozen_IsInvalidGrantUntilUnfrozen()
    {
        var tenant = TenantLimits.NewTenant("frz");
        await TenantLimits.SetAsync(Identity, TenantLimits.Active(tenant, 1));
        var user = await TestUsers.CreateAsync(Identity, tenant);
        var http = Identity.CreateHttpClient();
        var session = await OAuth.SignInAsync(http, user.Email!);
        Assert.Equal(HttpStatusCode.OK, session.Status);

        await TenantLimits.SetAsync(Identity, TenantLimits.Frozen(tenant, 2));
        var refused = await OAuth.RefreshAsync(http, session.RefreshToken);

        AssertSuspended(refused, "invalid_grant");
        var raised = Assert.Single(Identity.Events.OfType(SecurityEventTypes.TokenTenantSuspended), e => e.TenantId == tenant);
        Assert.Equal(user.Id, raised.UserId);
        Assert.Equal("refresh_token", raised.Details!["grant_type"]);
        Assert.Equal("frozen", raised.Details["status"]);
        Assert.Equal("abuse", raised.Details["reason"]);
        Assert.Equal("false", raised.Details["quarantined"]);

        // Unfrozen (the grain writes a higher revision): the same session refreshes again.
        await TenantLimits.SetAsync(Identity, TenantLimits.Active(tenant, 3));
        var renewed = await OAuth.RefreshAsync(http, session.RefreshToken);
        Assert.Equal(HttpStatusCode.OK, renewed.Status);
        Assert.Equal(tenant, renewed.Jwt.GetClaim("tenant_id").Value);
    }

    [Fact]
    public async Task CodeRedemption_FrozenTenant_IsInvalidGrant()
    {
        var tenant = TenantLimits.NewTenant("frz");
        var user = await TestUsers.CreateAsync(Identity, tenant);
        await TenantLimits.SetAsync(Identity, TenantLimits.Frozen(tenant, 1));

        // The test sign-in answers connect/authorize without the pages' check, so the code is issued and its
        // redemption is what must refuse.
        var response = await OAuth.SignInAsync(Identity.CreateHttpClient(), user.Email!);

        AssertSuspended(response, "invalid_grant");
        Assert.Contains(Identity.Events.OfType(SecurityEventTypes.TokenTenantSuspended),
            e => e.UserId == user.Id && e.Details!["grant_type"] == "authorization_code");
    }

    [Fact]
    public async Task Refresh_QuarantinedTenant_IsInvalidGrant()
    {
        var tenant = TenantLimits.NewTenant("qrn");
        var user = await TestUsers.CreateAsync(Identity, tenant);
        var http = Identity.CreateHttpClient();
        var session = await OAuth.SignInAsync(http, user.Email!);

        await TenantLimits.SetAsync(Identity, TenantLimits.Quarantined(tenant, 1));

        AssertSuspended(await OAuth.RefreshAsync(http, session.RefreshToken), "invalid_grant");
        var raised = Assert.Single(Identity.Events.OfType(SecurityEventTypes.TokenTenantSuspended), e => e.TenantId == tenant);
        Assert.Equal("security-suspension", raised.Details!["reason"]);
        Assert.Equal("true", raised.Details["quarantined"]);
    }

    [Theory]
    [InlineData(TenantStatus.Frozen, StatusReason.Abuse)]
    [InlineData(TenantStatus.Frozen, StatusReason.SecuritySuspension)] // 12.2.1b/g: quarantine blocks machine clients
    [InlineData(TenantStatus.Frozen, StatusReason.NonPayment)]
    [InlineData(TenantStatus.Terminated, StatusReason.OperatorDecision)]
    public async Task ClientCredentials_SuspendedTenantsMachineClient_IsUnauthorizedClientUntilActiveAgain(TenantStatus status, StatusReason reason)
    {
        var tenant = TenantLimits.NewTenant("mc");
        var (clientId, secret) = await CreateMachineClientAsync(tenant);
        var http = Identity.CreateHttpClient();
        Assert.Equal(HttpStatusCode.OK, (await OAuth.ClientCredentialsAsync(http, clientId, secret)).Status);

        await TenantLimits.SetAsync(Identity, TenantLimits.With(tenant, 1, status, reason));
        var refused = await OAuth.ClientCredentialsAsync(http, clientId, secret);

        AssertSuspended(refused, "unauthorized_client");
        var raised = Assert.Single(Identity.Events.OfType(SecurityEventTypes.TokenTenantSuspended), e => e.TenantId == tenant);
        Assert.Equal(clientId, raised.ClientId);
        Assert.Equal("client_credentials", raised.Details!["grant_type"]);
        Assert.Equal(reason == StatusReason.SecuritySuspension ? "true" : "false", raised.Details["quarantined"]);

        await TenantLimits.SetAsync(Identity, TenantLimits.Active(tenant, 2));
        var again = await OAuth.ClientCredentialsAsync(http, clientId, secret);
        Assert.Equal(HttpStatusCode.OK, again.Status);
        Assert.Equal(tenant, again.Jwt.GetClaim("tenant_id").Value);
    }

    [Fact]
    public async Task Tokens_ThrottledTenant_AreStillIssued()
    {
        var tenant = TenantLimits.NewTenant("thr");
        var (clientId, secret) = await CreateMachineClientAsync(tenant);
        var user = await TestUsers.CreateAsync(Identity, tenant);
        await TenantLimits.SetAsync(Identity, TenantLimits.With(tenant, 1, TenantStatus.Throttled, StatusReason.Abuse));
        var http = Identity.CreateHttpClient();

        // 12.1.3b: a throttle slows a tenant's requests (gateway, silo); it does not lock its people or clients out.
        Assert.Equal(HttpStatusCode.OK, (await OAuth.ClientCredentialsAsync(http, clientId, secret)).Status);
        var session = await OAuth.SignInAsync(http, user.Email!);
        Assert.Equal(HttpStatusCode.OK, session.Status);
        Assert.Equal(HttpStatusCode.OK, (await OAuth.RefreshAsync(http, session.RefreshToken)).Status);
        Assert.DoesNotContain(Identity.Events.OfType(SecurityEventTypes.TokenTenantSuspended), e => e.TenantId == tenant);
    }

    private static void AssertSuspended(TokenResponse response, string error)
    {
        Assert.Equal(HttpStatusCode.BadRequest, response.Status);
        Assert.Equal(error, response.Error);
        Assert.Equal(TenantSuspension.TokenDescription, response.Body.GetProperty("error_description").GetString());
        Assert.False(response.Body.TryGetProperty("access_token", out _));
        Assert.False(response.Body.TryGetProperty("refresh_token", out _));
    }

    /// <summary>A machine client of <paramref name="tenantId"/>, registered as seeding registers one.</summary>
    private async Task<(string ClientId, string Secret)> CreateMachineClientAsync(string tenantId)
    {
        var clientId = $"worker-{Guid.NewGuid():N}";
        const string secret = "machine-secret-0123456789abcdef";
        await TestUsers.WithAsync(Identity, async services =>
            await services.GetRequiredService<IOpenIddictApplicationManager>()
                .CreateAsync(ClientDescriptors.Machine(clientId, secret, tenantId)));
        return (clientId, secret);
    }
}
