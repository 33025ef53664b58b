using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;
using SaaSReference.Database.TenantData;
using SaaSReference.Database.TenantData.Backups;
using SaaSReference.LocalInfrastructure;

namespace SaaSReference.Deployment.Tests.Infrastructure;

/// <summary>
/// Checks on the compose file, each returning what breaks it (empty when it holds), so that the tests can
/// show them both holding on the real file and catching a broken copy.
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

    /// <summary>PostgreSQL's <c>max_connections</c> when the service's command does not set it.</summary>
    public const int DefaultMaxConnections = 100;

    /// <summary>Connections left free on a region server: superuser_reserved_connections (3), the migrator, an operator's psql.</summary>
    public const int ConnectionsKeptFree = 10;

    /// <summary>Pools a silo opens to each region: tenant data (TenantRegions) and the region's grain storage provider.</summary>
    public const int RegionPoolsPerSilo = 2;

    /// <summary>The tenant regions, the same as the local stack's (<see cref="LocalRegions"/>).</summary>
    public static readonly IReadOnlyList<string> ExpectedRegions = LocalRegions.Names;

    public static readonly string[] ExpectedServices =
        [PlatformDatabase, .. ExpectedRegions.Select(RegionDatabaseOf), "silo-1", "silo-2", "silo-3", "identity-1", "identity-2", Gateway];

    /// <summary>The settings of one region (<c>TenantStorage__Regions__{region}__{setting}</c>) a silo reads.</summary>
    public static readonly string[] RegionSettings = ["ConnectionString", "BackupDirectory", "BackupCopyRegion", "MaxPoolSize"];

    /// <summary>Settings whose names look secret but that hold a directory, never key material.</summary>
    private static readonly string[] NonSecretSettings = [KeyStoreSetting];

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

    public static IEnumerable<string> PublishedPorts(ComposeFile compose) =>
        compose.Services.Values.Where(s => s.Name != Gateway && s.Ports.Count > 0)
            .Select(s => $"{s.Name} publishes ports {string.Join(", ", s.Ports)}; only the gateway may (9.1.2a)");

    public static IEnumerable<string> DependsOn(ComposeFile compose)
    {
        foreach (var service in compose.Services.Values)
        {
            foreach (var (target, condition) in service.DependsOn)
            {
                if (!compose.Services.ContainsKey(target))
                {
                    yield return $"{service.Name} depends on {target}, which is not a service";
                }
                if (condition != "service_healthy")
                {
                    yield return $"{service.Name} depends on {target} with condition '{condition}', not service_healthy";
                }
            }
        }
    }

    public static IEnumerable<string> EnvironmentKeys(ComposeFile compose) =>
        from service in compose.Services.Values
        where AllowedEnvironment.ContainsKey(service.Role)
        from key in service.Environment.Keys
        where !AllowedEnvironment[service.Role].Contains(key)
            && !(service.Role == Gateway && DestinationKey().IsMatch(key))
            && !(service.Role == "silo" && (IsRegionSetting(key) || IsCheckpointPublicKeySetting(key)))
        select $"{service.Name} sets {key}, which {service.Role} does not read";

    /// <summary>The key of one region's setting as an environment variable.</summary>
    public static string RegionSetting(string region, string setting) => $"TenantStorage__Regions__{region}__{setting}";

    /// <summary>The service of a region's database (<c>postgres-jp-east</c>).</summary>
    public static string RegionDatabaseOf(string region) => $"{PlatformDatabase}-{region}";

    /// <summary>
    /// Each region database is a PostgreSQL of its own: the platform's image, a named data volume of its own, a
    /// pg_isready healthcheck, on the platform's network, unpublished, with a database other than the platform's.
    /// </summary>
    public static IEnumerable<string> RegionDatabases(ComposeFile compose)
    {
        var platform = compose.Services.GetValueOrDefault(PlatformDatabase);
        var regions = compose.ServicesOfRole(RegionDatabaseRole).ToList();
        if (regions.Count == 0)
        {
            yield return "no region database (a service postgres-<region>): tenants' data needs one per region (8.1.1a)";
        }
        var declared = compose.Keys("volumes");
        foreach (var service in regions)
        {
            if (platform is not null && service.Scalar("image") != platform.Scalar("image"))
            {
                yield return $"{service.Name} runs {service.Scalar("image")}, not the platform database's {platform.Scalar("image")}";
            }
            if (service.Ports.Count > 0)
            {
                yield return $"{service.Name} publishes ports {string.Join(", ", service.Ports)}; a region database is reached by the silos only";
            }
            if (!HealthcheckRuns(service, "pg_isready"))
            {
                yield return $"{service.Name} has no enabled pg_isready healthcheck, so the silos cannot wait for it";
            }
            var data = service.Mounts.Where(m => m.Target.TrimEnd('/') == PostgresDataDirectory).ToList();
            if (data.Count != 1 || !data[0].IsNamedVolume || !declared.Contains(data[0].Source!))
            {
                yield return $"{service.Name} keeps its data in no declared named volume at {PostgresDataDirectory}; it would be lost with the container";
            }
            var database = service.Environment.GetValueOrDefault("POSTGRES_DB");
            if (string.IsNullOrWhiteSpace(database) || database == platform?.Environment.GetValueOrDefault("POSTGRES_DB"))
            {
                yield return $"{service.Name} names database '{database}'; a region's database is never the platform's";
            }
            if (platform is not null && !service.Networks.SequenceEqual(platform.Networks))
            {
                yield return $"{service.Name} is on networks [{string.Join(", ", service.Networks)}], not the platform's private network";
            }
        }
        var holders = compose.Services.Values
            .SelectMany(s => s.Mounts.Where(m => m.IsNamedVolume && m.Target.TrimEnd('/') == PostgresDataDirectory).Select(m => (Service: s.Name, Volume: m.Source!)))
            .GroupBy(h => h.Volume, StringComparer.Ordinal)
            .Where(g => g.Count() > 1);
        foreach (var shared in holders)
        {
            yield return $"volume {shared.Key} holds the data of {string.Join(" and ", shared.Select(h => h.Service))}; each database has its own";
        }
    }

    /// <summary>
    /// The silos' TenantStorage, TenantKeys and PlatformBackups settings: the same on every silo, valid as the silo validates
    /// them, one region per region database service, and each region's connection string at that region's own database
    /// with the credentials that database takes (never the platform database), within the server's connections.
    /// </summary>
    public static IEnumerable<string> TenantStorage(ComposeFile compose)
    {
        var silos = compose.ServicesOfRole("silo").ToList();
        var regionDatabases = compose.ServicesOfRole(RegionDatabaseRole).ToList();
        var reference = silos.FirstOrDefault();
        foreach (var silo in silos)
        {
            if (reference is not null && silo != reference)
            {
                var (mine, theirs) = (StorageSettings(silo), StorageSettings(reference));
                foreach (var key in mine.Keys.Union(theirs.Keys).Order(StringComparer.Ordinal)
                    .Where(k => mine.GetValueOrDefault(k) != theirs.GetValueOrDefault(k)))
                {
                    yield return $"{silo.Name} sets {key} unlike {reference.Name}; every silo stores tenants' data the same way";
                }
            }
            TenantStorageOptions storage;
            string? bindingError = null;
            try
            {
                storage = BindTenantStorage(silo);
            }
            catch (InvalidOperationException exception)
            {
                storage = new TenantStorageOptions();
                bindingError = exception.Message;
            }
            if (bindingError is not null)
            {
                yield return $"{silo.Name}: {TenantStorageOptions.Section} does not bind: {bindingError}";
                continue;
            }
            foreach (var problem in storage.Problems())
            {
                yield return $"{silo.Name}: {problem}";
            }
            var platformBackups = new PlatformBackupOptions { Directory = silo.Environment.GetValueOrDefault(PlatformBackupsSetting, "") };
            foreach (var problem in platformBackups.Problems(storage))
            {
                yield return $"{silo.Name}: {problem}";
            }
            foreach (var region in RegionsNamedIn(silo).Where(r => !storage.Regions.ContainsKey(r)))
            {
                yield return $"{silo.Name}: the settings of region {region} do not bind as {TenantStorageOptions.Section}:Regions:{region} (a value of the wrong type?)";
            }
            foreach (var database in regionDatabases.Where(d => !storage.Regions.ContainsKey(d.Region!)))
            {
                yield return $"{silo.Name} configures no region {database.Region}, whose database is {database.Name}";
            }
            foreach (var (region, options) in storage.Regions)
            {
                foreach (var violation in RegionConnection(compose, silo, region, options))
                {
                    yield return violation;
                }
            }
        }
        foreach (var database in regionDatabases)
        {
            var pools = silos.Sum(s => RegionPoolsPerSilo * PoolSizeOf(s, database.Region!));
            var limit = MaxConnections(database) - ConnectionsKeptFree;
            if (pools > limit)
            {
                yield return $"{database.Name}: the silos may open {pools} connections ({silos.Count} silos x {RegionPoolsPerSilo} pools x MaxPoolSize), "
                    + $"more than the {limit} its max_connections leaves; lower TenantStorage__Regions__{database.Region}__MaxPoolSize";
            }
        }
    }

    /// <summary>
    /// Where the silos keep files: each region's backup site, the key store and the platform backups are each a named,
    /// writable volume of its own, declared, the same on every silo, nested in no other, and mounted by no other service;
    /// the silos mount nothing else.
    /// </summary>
    public static IEnumerable<string> SiloVolumes(ComposeFile compose)
    {
        var declared = compose.Keys("volumes");
        var silos = compose.ServicesOfRole("silo").ToList();
        var storeVolumes = new Dictionary<string, (string Volume, string Silo)>(StringComparer.Ordinal);
        foreach (var silo in silos)
        {
            var stores = FileStores(silo);
            var used = new List<(string What, string Path, string Volume)>();
            foreach (var (what, path) in stores)
            {
                if (string.IsNullOrWhiteSpace(path) || !path.StartsWith('/'))
                {
                    yield return $"{silo.Name}: the {what} is '{path}', not an absolute path in the container";
                    continue;
                }
                var mount = silo.Mounts.FirstOrDefault(m => m.Target.TrimEnd('/') == path.TrimEnd('/'));
                if (mount is null)
                {
                    yield return $"{silo.Name}: the {what} {path} is on no volume: it would live and die with the container";
                    continue;
                }
                if (!mount.IsNamedVolume || !declared.Contains(mount.Source!))
                {
                    yield return $"{silo.Name}: the {what} {path} is on {mount.Type} mount {mount}, not a declared named volume";
                    continue;
                }
                if (mount.ReadOnly)
                {
                    yield return $"{silo.Name}: the {what} {path} is mounted read-only";
                }
                used.Add((what, path.TrimEnd('/'), mount.Source!));
                if (storeVolumes.TryGetValue(what, out var first) && first.Volume != mount.Source)
                {
                    yield return $"{silo.Name} mounts {mount.Source} as the {what}, {first.Silo} {first.Volume}; the silos share one";
                }
                storeVolumes.TryAdd(what, (mount.Source!, silo.Name));
            }
            foreach (var pair in used.SelectMany((a, i) => used.Skip(i + 1).Select(b => (A: a, B: b))))
            {
                if (pair.A.Volume == pair.B.Volume)
                {
                    yield return $"{silo.Name}: the {pair.A.What} and the {pair.B.What} share volume {pair.A.Volume}";
                }
                if (IsUnder(pair.A.Path, pair.B.Path) || IsUnder(pair.B.Path, pair.A.Path))
                {
                    yield return $"{silo.Name}: the {pair.A.What} ({pair.A.Path}) and the {pair.B.What} ({pair.B.Path}) are nested";
                }
            }
            var storePaths = stores.Select(s => s.Path?.TrimEnd('/')).ToList();
            foreach (var mount in silo.Mounts.Where(m => !storePaths.Contains(m.Target.TrimEnd('/'))))
            {
                yield return $"{silo.Name} mounts {mount}, which is none of its file stores";
            }
        }
        var siloVolumes = storeVolumes.Values.Select(v => v.Volume).ToHashSet(StringComparer.Ordinal);
        foreach (var service in compose.Services.Values.Where(s => s.Role != "silo"))
        {
            foreach (var mount in service.Mounts.Where(m => m.IsNamedVolume && siloVolumes.Contains(m.Source!)))
            {
                yield return $"{service.Name} mounts the silos' volume {mount.Source}; tenants' backups, keys and the audit checkpoint log are the silos' alone";
            }
        }
    }

    /// <summary>
    /// A silo's file stores: (what, directory) for each region's backup site, the key store, the platform backups and the
    /// audit checkpoint log (12.4.2a: checkpoints kept outside the database).
    /// </summary>
    public static IReadOnlyList<(string What, string? Path)> FileStores(ComposeService silo)
    {
        return
        [
            .. RegionsNamedIn(silo).Select(r => ($"backup site of region {r}", silo.Environment.GetValueOrDefault(RegionSetting(r, "BackupDirectory")))),
            ("key store", silo.Environment.GetValueOrDefault(KeyStoreSetting)),
            ("platform backups", silo.Environment.GetValueOrDefault(PlatformBackupsSetting)),
            (CheckpointLogStore, silo.Environment.GetValueOrDefault(CheckpointDirectorySetting)),
        ];
    }

    /// <summary>The regions a silo's environment has settings for.</summary>
    public static IEnumerable<string> RegionsNamedIn(ComposeService silo) => silo.Environment.Keys
        .Select(k => RegionKey().Match(k)).Where(m => m.Success)
        .Select(m => m.Groups["region"].Value).Distinct().Order(StringComparer.Ordinal);

    /// <summary>The silo's TenantStorage section as the silo binds it from its environment.</summary>
    public static TenantStorageOptions BindTenantStorage(ComposeService silo) =>
        new ConfigurationBuilder()
            .AddInMemoryCollection(silo.Environment.Select(e => new KeyValuePair<string, string?>(e.Key.Replace("__", ":", StringComparison.Ordinal), e.Value)))
            .Build()
            .GetSection(TenantStorageOptions.Section)
            .Get<TenantStorageOptions>() ?? new TenantStorageOptions();

    /// <summary>Parts of an Npgsql connection string by canonical name (host, port, database, username, password).</summary>
    public static IReadOnlyDictionary<string, string> ConnectionStringParts(string connectionString) => connectionString
        .Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
        .Select(p => p.Split('=', 2))
        .Where(p => p.Length == 2)
        .GroupBy(p => p[0].Trim().ToLowerInvariant() switch
        {
            "server" => "host",
            "db" => "database",
            "user id" or "userid" or "user" or "user name" => "username",
            "pwd" or "psw" => "password",
            var name => name,
        })
        .ToDictionary(g => g.Key, g => g.Last()[1].Trim(), StringComparer.Ordinal);

    private static IEnumerable<string> RegionConnection(ComposeFile compose, ComposeService silo, string region, TenantRegionOptions options)
    {
        var prefix = $"{silo.Name}: region {region}'s connection string";
        var parts = ConnectionStringParts(options.ConnectionString);
        var host = parts.GetValueOrDefault("host");
        if (!compose.Services.TryGetValue(host ?? "", out var database) || database.Region != region)
        {
            yield return host == PlatformDatabase
                ? $"{prefix} points at {host}, the platform database; entrusted data lives in the region's own database (8.1.1a)"
                : $"{prefix} points at host '{host}', not the region's database service {RegionDatabaseOf(region)}";
            yield break;
        }
        if (parts.GetValueOrDefault("port", "5432") != "5432")
        {
            yield return $"{prefix} uses port {parts["port"]}; {database.Name} listens on 5432";
        }
        if (parts.GetValueOrDefault("database") != database.Environment.GetValueOrDefault("POSTGRES_DB"))
        {
            yield return $"{prefix} names database '{parts.GetValueOrDefault("database")}', not {database.Name}'s {database.Environment.GetValueOrDefault("POSTGRES_DB")}";
        }
        if (parts.GetValueOrDefault("username") != database.Environment.GetValueOrDefault("POSTGRES_USER"))
        {
            yield return $"{prefix} signs in as '{parts.GetValueOrDefault("username")}', not {database.Name}'s user";
        }
        var password = RequiredVariableName(parts.GetValueOrDefault("password"));
        if (password is null || password != RequiredVariableName(database.Environment.GetValueOrDefault("POSTGRES_PASSWORD")))
        {
            yield return $"{prefix} does not take its password from the required variable {database.Name} is given";
        }
    }

    private static string? RequiredVariableName(string? value) =>
        value is not null && RequiredVariableStart().Match(value) is { Success: true } m ? m.Groups["name"].Value : null;

    private static IReadOnlyDictionary<string, string> StorageSettings(ComposeService silo) => silo.Environment
        .Where(e => e.Key.StartsWith("TenantStorage__", StringComparison.Ordinal) || e.Key == KeyStoreSetting || e.Key == PlatformBackupsSetting)
        .ToDictionary(StringComparer.Ordinal);

    private static int PoolSizeOf(ComposeService silo, string region) =>
        int.TryParse(silo.Environment.GetValueOrDefault(RegionSetting(region, "MaxPoolSize")), NumberStyles.None, CultureInfo.InvariantCulture, out var size)
            ? size
            : new TenantRegionOptions().MaxPoolSize;

    private static int MaxConnections(ComposeService database) =>
        Yaml.Get(database.Node, "command") is { } command
            && MaxConnectionsFlag().Match(string.Join(' ', Yaml.Scalars(command))) is { Success: true } m
            ? int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)
            : DefaultMaxConnections;

    private static bool HealthcheckRuns(ComposeService service, string probe)
    {
        if (service.Map("healthcheck") is not { } healthcheck || (Yaml.Get(healthcheck, "disable") as YamlDotNet.RepresentationModel.YamlScalarNode)?.Value == "true")
        {
            return false;
        }
        var test = string.Join(' ', Yaml.Scalars(Yaml.Get(healthcheck, "test") ?? new YamlDotNet.RepresentationModel.YamlScalarNode("")));
        return test.Contains(probe, StringComparison.Ordinal) && !test.Contains("NONE", StringComparison.Ordinal);
    }

    private static bool IsUnder(string path, string folder) => path.StartsWith(folder + "/", StringComparison.Ordinal);

    private static bool IsRegionSetting(string key) =>
        RegionKey().Match(key) is { Success: true } m
        && TenantStorageOptions.IsValidRegionName(m.Groups["region"].Value)
        && RegionSettings.Contains(m.Groups["setting"].Value);

    /// <summary>Every reverse-proxy destination names a service of the right cluster, on its container port.</summary>
    public static IEnumerable<string> GatewayDestinations(ComposeFile compose)
    {
        var gateway = compose.Services[Gateway];
        foreach (var (key, address) in gateway.Environment)
        {
            var match = DestinationKey().Match(key);
            if (!match.Success)
            {
                continue;
            }
            var (cluster, destination) = (match.Groups["cluster"].Value, match.Groups["destination"].Value);
            if (!Uri.TryCreate(address, UriKind.Absolute, out var uri))
            {
                yield return $"{key}={address} is not an absolute URI";
                continue;
            }
            if (!compose.Services.TryGetValue(uri.Host, out var target))
            {
                yield return $"{key} points at {uri.Host}, which is not a service";
                continue;
            }
            if (target.Role != cluster || destination != target.Name)
            {
                yield return $"{key} points at {target.Name} (a {target.Role}), not destination {destination} of cluster {cluster}";
            }
            if (uri.Port != ContainerHttpPort)
            {
                yield return $"{key} uses port {uri.Port}; {target.Name} listens on {ContainerHttpPort}";
            }
        }
    }

    /// <summary>
    /// No secret literal: secret-named environment values are exactly a required <c>${VAR:?message}</c>, every
    /// <c>name=value</c> with a secret-like name inside any value starts with one, and secret-named variables
    /// are never given a default. The one exception: a retired audit checkpoint key's public half
    /// (<c>Audit__CheckpointPublicKeys__{n}</c>) may be a literal when it is one, since it is public.
    /// </summary>
    public static IEnumerable<string> Secrets(ComposeFile compose)
    {
        foreach (var service in compose.Services.Values)
        {
            // A retired checkpoint key's public half may be written out (it is public); a private key pasted there may not.
            var publicKeys = service.Environment.Where(e => IsCheckpointPublicKeySetting(e.Key) && IsPublicKey(e.Value))
                .ToDictionary(StringComparer.Ordinal);
            foreach (var (key, value) in service.Environment.Where(e => SecretName().IsMatch(e.Key) && !publicKeys.ContainsKey(e.Key)
                && !(NonSecretSettings.Contains(e.Key) && e.Value.StartsWith('/') && !e.Value.Contains('=', StringComparison.Ordinal))))
            {
                if (!RequiredVariableOnly().IsMatch(value))
                {
                    yield return $"{service.Name}: {key} is not a required ${{VAR:?...}} variable";
                }
            }
            foreach (var scalar in Yaml.Scalars(service.Node).Where(s => !publicKeys.ContainsValue(s)).Select(s => s.Replace("$$", "", StringComparison.Ordinal)))
            {
                foreach (Match assignment in Assignment().Matches(scalar))
                {
                    if (SecretName().IsMatch(assignment.Groups["name"].Value) && !RequiredVariableStart().IsMatch(assignment.Groups["value"].Value))
                    {
                        yield return $"{service.Name}: {assignment.Groups["name"].Value}= is followed by a literal, not a required variable";
                    }
                }
                foreach (Match variable in Interpolation().Matches(scalar))
                {
                    if (SecretName().IsMatch(variable.Groups["name"].Value) && !variable.Groups["op"].Value.EndsWith('?'))
                    {
                        yield return $"{service.Name}: ${{{variable.Groups["name"].Value}}} may be unset or defaulted; secrets must use :?";
                    }
                }
            }
        }
    }

    /// <summary>Names of the variables the file requires (<c>${NAME:?...}</c>).</summary>
    public static IReadOnlySet<string> RequiredVariables(ComposeFile compose) => compose.Services.Values
        .SelectMany(s => Yaml.Scalars(s.Node))
        .SelectMany(s => Interpolation().Matches(s.Replace("$$", "", StringComparison.Ordinal)))
        .Where(m => m.Groups["op"].Value.EndsWith('?'))
        .Select(m => m.Groups["name"].Value)
        .ToHashSet(StringComparer.Ordinal);

    [GeneratedRegex(@"^ReverseProxy__Clusters__(?<cluster>silo|identity)__Destinations__(?<destination>[a-z0-9-]+)__Address$")]
    private static partial Regex DestinationKey();

    [GeneratedRegex("password|passwd|pwd|secret|token|key", RegexOptions.IgnoreCase)]
    private static partial Regex SecretName();

    [GeneratedRegex(@"\$\{(?<name>[A-Za-z_][A-Za-z0-9_]*)(?<op>:?[-?+])?[^}]*\}")]
    private static partial Regex Interpolation();

    [GeneratedRegex(@"^\$\{[A-Za-z_][A-Za-z0-9_]*:?\?[^}]+\}$")]
    private static partial Regex RequiredVariableOnly();

    [GeneratedRegex(@"^\$\{(?<name>[A-Za-z_][A-Za-z0-9_]*):?\?[^}]+\}")]
    private static partial Regex RequiredVariableStart();

    [GeneratedRegex(@"^TenantStorage__Regions__(?<region>.+?)__(?<setting>[A-Za-z]+)$")]
    private static partial Regex RegionKey();

    [GeneratedRegex(@"max_connections=(\d+)")]
    private static partial Regex MaxConnectionsFlag();

    [GeneratedRegex(@"(?<name>[A-Za-z_][A-Za-z0-9_.]*)\s*=\s*(?<value>[^;]*)")]
    private static partial Regex Assignment();
}
