using System.Text.RegularExpressions;
using SaaSReference.LocalInfrastructure;

namespace SaaSReference.Deployment.Tests.Infrastructure;

/// <summary>
/// Checks on the compose file, each returning what breaks it (empty when it holds), so that the tests can
/// show them both holding on the real file and catching a broken copy.
/// This part names the services and the settings each reads; the checks themselves are in one part per concern
/// (wiring, region databases, tenant storage, silo volumes, secrets, audit).
/// </summary>
internal static partial class ComposeRules
{
    public const int ContainerHttpPort = 8080;
    public const string Gateway = "gateway";
    public const string PlatformDatabase = "postgres";
    public const string RegionDatabaseRole = "region-postgres";
    public const string PostgresDataDirectory = "/var/lib/postgresql/data";
    public const string KeyStoreSetting = "TenantKeys__Local__Directory";
    public const string PlatformBackupsSetting = "PlatformBackups__Directory";

    /// <summary>The tenant regions, the same as the local stack's (<see cref="LocalRegions"/>).</summary>
    public static readonly IReadOnlyList<string> ExpectedRegions = LocalRegions.Names;

    public static readonly string[] ExpectedServices =
        [PlatformDatabase, .. ExpectedRegions.Select(RegionDatabaseOf), "silo-1", "silo-2", "silo-3", "identity-1", "identity-2", Gateway];

    /// <summary>The settings of one region (<c>TenantStorage__Regions__{region}__{setting}</c>) a silo reads.</summary>
    public static readonly string[] RegionSettings = ["ConnectionString", "BackupDirectory", "BackupCopyRegion", "MaxPoolSize"];

    /// <summary>The configuration keys each role reads (fixed by the services; anything else is a typo).</summary>
    public static readonly IReadOnlyDictionary<string, string[]> AllowedEnvironment = new Dictionary<string, string[]>(StringComparer.Ordinal)
    {
        [PlatformDatabase] = ["POSTGRES_DB", "POSTGRES_USER", "POSTGRES_PASSWORD"],
        [RegionDatabaseRole] = ["POSTGRES_DB", "POSTGRES_USER", "POSTGRES_PASSWORD"],
        ["silo"] =
        [
            "ConnectionStrings__platform", "Orleans__ClusterId", "Orleans__ServiceId", "Orleans__SiloPort",
            "Orleans__GatewayPort", "Orleans__AdvertisedIP", "Platform__BootstrapKey",
            "Identity__Issuer",
            "TenantStorage__DefaultRegion", KeyStoreSetting, PlatformBackupsSetting,
            // 12.4.2a/b: the checkpoint (and export) signing key and the checkpoint log outside the database.
            CheckpointSigningKeySetting, CheckpointDirectorySetting,
            // and, per region, TenantStorage__Regions__{region}__{RegionSettings}; after a key rotation,
            // Audit__CheckpointPublicKeys__{n}
        ],
        ["identity"] =
        [
            "ConnectionStrings__platform", "Identity__Issuer",
            "Identity__Clients__Gateway__ClientSecret", "Identity__Clients__Gateway__RedirectUris__0",
            "Identity__Clients__Gateway__PostLogoutRedirectUris__0",
        ],
        [Gateway] =
        [
            "Urls", "ConnectionStrings__platform",
            "Gateway__Identity__Authority", "Gateway__Identity__ClientId", "Gateway__Identity__ClientSecret", "Gateway__Identity__MetadataAddress",
            "Gateway__Https__Port", "Gateway__Https__CertificateFolder", "Gateway__Https__RedirectHttp",
        ],
    };

    /// <summary>The key of one region's setting as an environment variable.</summary>
    public static string RegionSetting(string region, string setting) => $"TenantStorage__Regions__{region}__{setting}";

    /// <summary>The service of a region's database (<c>postgres-jp-east</c>).</summary>
    public static string RegionDatabaseOf(string region) => $"{PlatformDatabase}-{region}";

    /// <summary>The regions a silo's environment has settings for.</summary>
    public static IEnumerable<string> RegionsNamedIn(ComposeService silo) => silo.Environment.Keys
        .Select(k => RegionKey().Match(k)).Where(m => m.Success)
        .Select(m => m.Groups["region"].Value).Distinct().Order(StringComparer.Ordinal);

    [GeneratedRegex(@"^TenantStorage__Regions__(?<region>.+?)__(?<setting>[A-Za-z]+)$")]
    private static partial Regex RegionKey();
}
