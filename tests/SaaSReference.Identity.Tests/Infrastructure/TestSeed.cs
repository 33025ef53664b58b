namespace SaaSReference.Identity.Tests.Infrastructure;

/// <summary>The people and clients every test identity instance is seeded with.</summary>
public static class TestSeed
{
    public const string Issuer = "http://localhost/identity/";
    public const string Password = "violet tractor harbour 71";

    public const string Operator = "olivia@platform.test";
    public const string Approver = "aaron@platform.test";
    public const string AcmeAdmin = "dana@acme.test";
    public const string AcmeUser = "uma@acme.test";
    public const string GlobexAdmin = "gina@globex.test";

    public const string GatewayClientId = "saasreference-gateway";
    public const string GatewaySecret = "gateway-secret-0123456789abcdef";
    public const string RedirectUri = "https://gateway.test/signin-oidc";
    public const string PostLogoutRedirectUri = "https://gateway.test/signout-callback-oidc";

    public const string ApiClientId = "saasreference-api";
    public const string ApiSecret = "api-secret-0123456789abcdef";

    public const string AcmeWorker = "acme-worker";
    public const string AcmeWorkerSecret = "acme-worker-secret-0123456789";
    public const string GlobexWorker = "globex-worker";
    public const string GlobexWorkerSecret = "globex-worker-secret-0123456789";

    private static readonly (string Email, string? Tenant, string Role)[] People =
    [
        (Operator, null, "operator"),
        (Approver, null, "approver"),
        (AcmeAdmin, "acme", "tenant-admin"),
        (AcmeUser, "acme", "tenant-user"),
        (GlobexAdmin, "globex", "tenant-admin"),
    ];

    /// <summary>The configuration of an instance: issuer, clients, demo people and machine clients.</summary>
    public static Dictionary<string, string?> Settings(string connectionString, string issuer = Issuer)
    {
        var settings = new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            ["ConnectionStrings:platform"] = connectionString,
            ["Identity:Issuer"] = issuer,
            ["Identity:Clients:Gateway:ClientSecret"] = GatewaySecret,
            ["Identity:Clients:Gateway:RedirectUris:0"] = RedirectUri,
            ["Identity:Clients:Gateway:PostLogoutRedirectUris:0"] = PostLogoutRedirectUri,
            ["Identity:Clients:Api:ClientSecret"] = ApiSecret,
            ["Identity:Seed:MachineClients:0:ClientId"] = AcmeWorker,
            ["Identity:Seed:MachineClients:0:ClientSecret"] = AcmeWorkerSecret,
            ["Identity:Seed:MachineClients:0:TenantId"] = "acme",
            ["Identity:Seed:MachineClients:1:ClientId"] = GlobexWorker,
            ["Identity:Seed:MachineClients:1:ClientSecret"] = GlobexWorkerSecret,
            ["Identity:Seed:MachineClients:1:TenantId"] = "globex",
        };
        for (var i = 0; i < People.Length; i++)
        {
            var (email, tenant, role) = People[i];
            settings[$"Identity:Seed:Users:{i}:Email"] = email;
            settings[$"Identity:Seed:Users:{i}:DisplayName"] = email.Split('@')[0];
            settings[$"Identity:Seed:Users:{i}:Password"] = Password;
            settings[$"Identity:Seed:Users:{i}:TenantId"] = tenant;
            settings[$"Identity:Seed:Users:{i}:Roles:0"] = role;
        }
        return settings;
    }
}
