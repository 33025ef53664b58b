namespace SaaSReference.AppHost;

/// <summary>The identity service's seeding configuration for the local stack (<c>Identity:Clients</c>, <c>Identity:Seed</c>).</summary>
internal static class IdentitySeed
{
    public static void Apply(IDictionary<string, object> environment, LocalPlatform platform)
    {
        environment["Identity__Clients__Gateway__ClientId"] = PlatformResources.GatewayClientId;
        environment["Identity__Clients__Gateway__ClientSecret"] = platform.Secrets.GatewayClientSecret!;
        environment["Identity__Clients__Gateway__RedirectUris__0"] = PlatformResources.PublicBase + "/signin-oidc";
        environment["Identity__Clients__Gateway__PostLogoutRedirectUris__0"] = PlatformResources.PublicBase + "/signout-callback-oidc";
        for (var i = 0; i < platform.Accounts.Count; i++)
        {
            var account = platform.Accounts[i];
            var prefix = $"Identity__Seed__Users__{i}__";
            environment[prefix + "Email"] = account.Email;
            environment[prefix + "DisplayName"] = account.DisplayName;
            environment[prefix + "Password"] = account.Password;
            environment[prefix + "Roles__0"] = account.Role;
            if (account.TenantId is not null)
            {
                environment[prefix + "TenantId"] = account.TenantId;
            }
        }
        environment["Identity__Seed__MachineClients__0__ClientId"] = PlatformResources.DemoMachineClientId;
        environment["Identity__Seed__MachineClients__0__ClientSecret"] = platform.Secrets.DemoMachineClientSecret!;
        environment["Identity__Seed__MachineClients__0__TenantId"] = DemoSeed.TenantId;
        // The load runner's machine clients (load/README.md), after the demo client.
        for (var i = 0; i < LoadSeed.MachineClients.Count; i++)
        {
            var (clientId, tenantId) = LoadSeed.MachineClients[i];
            var prefix = $"Identity__Seed__MachineClients__{i + 1}__";
            environment[prefix + "ClientId"] = clientId;
            environment[prefix + "ClientSecret"] = platform.Secrets.LoadMachineClientSecrets![clientId];
            environment[prefix + "TenantId"] = tenantId;
        }
    }
}
