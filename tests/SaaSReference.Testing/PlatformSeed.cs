using SaaSReference.LocalInfrastructure;

namespace SaaSReference.Testing;

/// <summary>A person the identity service creates at start for a test (configuration <c>Identity:Seed:Users</c>).</summary>
public sealed record SeedUser(string Email, string Password, string? TenantId, string Role, string DisplayName = "Test User");

/// <summary>A tenant's machine client (configuration <c>Identity:Seed:MachineClients</c>).</summary>
public sealed record SeedMachineClient(string ClientId, string ClientSecret, string TenantId);

/// <summary>What the identity service of a test cluster is seeded with, and the gateway's OIDC client.</summary>
public sealed record PlatformSeed(IReadOnlyList<SeedUser> Users, IReadOnlyList<SeedMachineClient> MachineClients)
{
    public const string GatewayClientId = "saasreference-gateway";

    public string GatewayClientSecret { get; } = SecretsFile.NewToken();

    public static PlatformSeed None { get; } = new([], []);

    /// <summary>
    /// The identity service's access-token lifetime (configuration <c>Identity:Tokens:AccessToken</c>), or null for
    /// its default. A short one makes the gateway refresh sessions within a test's time.
    /// </summary>
    public TimeSpan? AccessTokenLifetime { get; init; }

    /// <summary>Environment of an identity process: the gateway client and the seed data.</summary>
    public Dictionary<string, string> IdentityEnvironment(string publicBase)
    {
        var environment = new Dictionary<string, string>
        {
            ["Identity__Clients__Gateway__ClientId"] = GatewayClientId,
            ["Identity__Clients__Gateway__ClientSecret"] = GatewayClientSecret,
            ["Identity__Clients__Gateway__RedirectUris__0"] = publicBase + "/signin-oidc",
            ["Identity__Clients__Gateway__PostLogoutRedirectUris__0"] = publicBase + "/signout-callback-oidc",
        };
        if (AccessTokenLifetime is { } lifetime)
        {
            environment["Identity__Tokens__AccessToken"] = lifetime.ToString("c", System.Globalization.CultureInfo.InvariantCulture);
        }
        for (var i = 0; i < Users.Count; i++)
        {
            var user = Users[i];
            environment[$"Identity__Seed__Users__{i}__Email"] = user.Email;
            environment[$"Identity__Seed__Users__{i}__Password"] = user.Password;
            environment[$"Identity__Seed__Users__{i}__DisplayName"] = user.DisplayName;
            environment[$"Identity__Seed__Users__{i}__Roles__0"] = user.Role;
            if (user.TenantId is not null)
            {
                environment[$"Identity__Seed__Users__{i}__TenantId"] = user.TenantId;
            }
        }
        for (var i = 0; i < MachineClients.Count; i++)
        {
            environment[$"Identity__Seed__MachineClients__{i}__ClientId"] = MachineClients[i].ClientId;
            environment[$"Identity__Seed__MachineClients__{i}__ClientSecret"] = MachineClients[i].ClientSecret;
            environment[$"Identity__Seed__MachineClients__{i}__TenantId"] = MachineClients[i].TenantId;
        }
        return environment;
    }
}
