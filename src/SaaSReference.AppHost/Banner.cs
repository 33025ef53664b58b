namespace SaaSReference.AppHost;

/// <summary>What the run command prints once the gateway is ready: where to go and how to get in.</summary>
internal static class Banner
{
    public static string Text(LocalSecrets secrets, string demoTenant, string postgresData) => $"""

        ============================================================================
         SaaSReference is running
           Gateway (the only public entry):  http://127.0.0.1:{LocalPorts.Gateway}
           Platform health:                  http://127.0.0.1:{LocalPorts.Gateway}/health
           Aspire dashboard:                 http://127.0.0.1:{LocalPorts.Dashboard}/login?t={secrets.DashboardToken}
           Identity service:                 http://127.0.0.1:{LocalPorts.Gateway}/identity/health/ready

         Sign in (operator): send the bootstrap key in the X-Operator-Key header
           X-Operator-Key: {secrets.BootstrapKey}
           curl -H 'X-Operator-Key: {secrets.BootstrapKey}' http://127.0.0.1:{LocalPorts.Gateway}/api/tenants
         Demo tenant '{DemoSeed.TenantId}': {demoTenant}

         Data: PostgreSQL on 127.0.0.1:{LocalPorts.Postgres}, files in {postgresData}; secrets in .data/.
           Both survive restarts; delete them to start from nothing.
         Ctrl+C stops everything this command started.
        ============================================================================
        """;
}
