namespace SaaSReference.Identity.Seeding;

/// <summary>The gateway's confidential client (<c>Identity:Clients:Gateway</c>), kept in step with configuration at every start.</summary>
public sealed class GatewayClientOptions
{
    public const string Section = "Identity:Clients:Gateway";

    public string ClientId { get; set; } = "saasreference-gateway";

    /// <summary>Required for the client to be registered; the gateway has the same value.</summary>
    public string? ClientSecret { get; set; }

    public string[] RedirectUris { get; set; } = [];

    public string[] PostLogoutRedirectUris { get; set; } = [];
}

/// <summary>
/// The platform API as an OAuth resource server (<c>Identity:Clients:Api</c>): it may introspect access tokens
/// issued for <c>saasreference-api</c> (to see a revocation before the token expires). Registered only when a
/// secret is configured.
/// </summary>
public sealed class ApiClientOptions
{
    public const string Section = "Identity:Clients:Api";

    public string ClientId { get; set; } = "saasreference-api";

    public string? ClientSecret { get; set; }
}

/// <summary>Optional demo data (<c>Identity:Seed</c>): created when missing, never changed afterwards.</summary>
public sealed class SeedOptions
{
    public const string Section = "Identity:Seed";

    public List<SeedUser> Users { get; set; } = [];

    public List<SeedMachineClient> MachineClients { get; set; } = [];
}

/// <summary>A person to create if no account has this email yet (an existing account's password is never reset).</summary>
public sealed class SeedUser
{
    public string Email { get; set; } = "";

    public string DisplayName { get; set; } = "";

    public string Password { get; set; } = "";

    /// <summary>Null for platform staff.</summary>
    public string? TenantId { get; set; }

    public List<string> Roles { get; set; } = [];
}

/// <summary>A tenant's machine client (client credentials, scope <c>api</c>) to create if missing.</summary>
public sealed class SeedMachineClient
{
    public string ClientId { get; set; } = "";

    public string ClientSecret { get; set; } = "";

    public string TenantId { get; set; } = "";
}
