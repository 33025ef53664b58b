namespace SaaSReference.Identity.OpenIddict;

/// <summary>The platform's own scope, resource and token claim names.</summary>
public static class PlatformScopes
{
    /// <summary>The scope that grants access to the platform API.</summary>
    public const string Api = "api";

    /// <summary>The audience (<c>aud</c>) of access tokens for the platform API; the silos require it.</summary>
    public const string ApiResource = "saasreference-api";

    /// <summary>The claim that carries the caller's tenant (absent for platform staff).</summary>
    public const string TenantIdClaim = "tenant_id";

    /// <summary>The key, in an OpenIddict application's <c>Properties</c>, of a machine client's tenant.</summary>
    public const string TenantIdProperty = "tenant_id";
}
