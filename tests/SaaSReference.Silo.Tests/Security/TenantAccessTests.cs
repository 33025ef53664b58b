using System.Security.Claims;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using SaaSReference.Silo.Security;

namespace SaaSReference.Silo.Tests.Security;

/// <summary>The tenant comes only from the validated token (conventions 5): who may act on which tenant.</summary>
public sealed class TenantAccessTests
{
    private static ClaimsPrincipal Token(params (string Type, string Value)[] claims) =>
        new(new ClaimsIdentity(claims.Select(c => new Claim(c.Type, c.Value)), "Bearer", PlatformClaims.Subject, PlatformClaims.Role));

    [Theory]
    [InlineData("acme", true)]
    [InlineData("globex", false)]
    [InlineData("ACME", false)]
    [InlineData("", false)]
    public void MayAccess_TenantUser_OnlyOwnTenant(string route, bool expected) =>
        Assert.Equal(expected, TenantAccess.MayAccess(Token(("sub", "bob"), ("tenant_id", "acme")), route));

    [Fact]
    public void MayAccess_Operator_AnyTenant()
    {
        Assert.True(TenantAccess.MayAccess(Token(("sub", "alice"), ("role", Roles.Operator)), "globex"));
        var bootstrap = new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.Role, Roles.Operator)], OperatorKeyAuthenticationHandler.SchemeName));
        Assert.True(TenantAccess.MayAccess(bootstrap, "globex"));
    }

    [Fact]
    public void MayAccess_AuditorOrTwoTenantsOrAnonymous_Refused()
    {
        Assert.False(TenantAccess.MayAccess(Token(("sub", "dave"), ("role", Roles.Auditor)), "acme"));
        Assert.False(TenantAccess.MayAccess(Token(("sub", "bob"), ("tenant_id", "acme"), ("tenant_id", "globex")), "acme"));
        var anonymous = new ClaimsPrincipal(new ClaimsIdentity([new Claim("tenant_id", "acme")]));
        Assert.False(TenantAccess.MayAccess(anonymous, "acme"));
    }

    [Theory]
    [InlineData("acme", true)]
    [InlineData("globex", false)]
    [InlineData(null, false)]
    public async Task TenantMemberHandler_ComparesRouteTenantWithToken(string? routeTenant, bool expected)
    {
        var http = new DefaultHttpContext();
        if (routeTenant is not null)
        {
            http.Request.RouteValues[TenantMemberRequirement.RouteValueName] = routeTenant;
        }
        var context = new AuthorizationHandlerContext([new TenantMemberRequirement()], Token(("sub", "bob"), ("tenant_id", "acme")), http);

        await new TenantMemberHandler().HandleAsync(context);

        Assert.Equal(expected, context.HasSucceeded);
    }

    [Theory]
    [InlineData("sub=a tenant_id=acme", null)]
    [InlineData("sub=a role=operator", null)]
    [InlineData("sub=a role=approver role=auditor", null)]
    [InlineData("sub=a", "neither")]
    [InlineData("tenant_id=acme", "subject")]
    [InlineData("sub=a sub=b role=operator", "subject")]
    [InlineData("sub=a tenant_id=acme role=operator", "platform role")]
    [InlineData("sub=a tenant_id=acme tenant_id=globex", "more than one")]
    [InlineData("sub=a tenant_id=Not_Valid", "malformed")]
    [InlineData("sub=a role=admin", "neither")]
    public void Reject_ClaimCombinations(string claims, string? reason)
    {
        var principal = Token([.. claims.Split(' ').Select(pair => (pair.Split('=')[0], pair.Split('=')[1]))]);
        var rejection = PlatformClaims.Reject(principal);
        if (reason is null)
        {
            Assert.Null(rejection);
        }
        else
        {
            Assert.Contains(reason, rejection, StringComparison.Ordinal);
        }
    }
}
