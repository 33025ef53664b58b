using System.Globalization;

using System.Text;

namespace SaaSReference.AppHost;

/// <summary>What the run command prints once the gateway is ready: where to go and how to get in.</summary>
internal static class Banner
{
    public static string Text(LocalPlatform platform, string demoTenant)
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"""

            ============================================================================
             SaaSReference is running
               Gateway (the only public entry):  {PlatformResources.PublicBase}
               Sign in (browser):                {PlatformResources.PublicBase}/login
               Platform health:                  {PlatformResources.PublicBase}/health
               Aspire dashboard:                 http://127.0.0.1:{LocalPorts.Dashboard}/login?t={platform.Secrets.DashboardToken}
               OpenID Connect issuer:            {PlatformResources.Issuer}

             Demo tenant '{DemoSeed.TenantId}': {demoTenant}
            """);
        if (platform.NewAccounts.Count > 0)
        {
            text.AppendLine(" Demo accounts created now (passwords are shown this once; MFA enrollment follows at first sign-in):");
            foreach (var account in platform.NewAccounts)
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"   {account.Role,-13} {account.Email,-30} tenant {account.TenantId ?? "(platform)",-10} password {account.Password}");
            }
        }
        else
        {
            text.AppendLine(" Demo accounts: " + string.Join(", ", platform.Accounts.Select(a => a.Email)) + " (passwords were shown at first start).");
        }
        text.AppendLine(CultureInfo.InvariantCulture, $"""
             Machine client of tenant '{DemoSeed.TenantId}': {PlatformResources.DemoMachineClientId} (secret in .data/platform-secrets.json)
             Operator bootstrap key (X-Operator-Key): {platform.Secrets.BootstrapKey}

             Data: PostgreSQL on 127.0.0.1:{LocalPorts.Postgres}, files in {platform.PostgresData}; secrets in .data/.
             Ctrl+C stops everything this command started.
            ============================================================================
            """);
        return text.ToString();
    }
}
