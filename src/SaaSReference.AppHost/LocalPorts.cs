namespace SaaSReference.AppHost;

/// <summary>The fixed loopback ports of the local stack (README "Ports").</summary>
internal static class LocalPorts
{
    public const int Gateway = 8080;
    public const int Dashboard = 18888;
    public const int Postgres = 55432;
    public const int SiloCount = 3;
    public const int IdentityCount = 2;

    public static int SiloHttp(int instance) => 8100 + instance;
    public static int SiloToSilo(int instance) => 11110 + instance;
    public static int SiloGateway(int instance) => 30000 + instance;
    public static int IdentityHttp(int instance) => 8200 + instance;
}
