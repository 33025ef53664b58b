using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;
using SaaSReference.Database.TenantData;
using SaaSReference.Database.TenantData.Backups;

namespace SaaSReference.Deployment.Tests.Infrastructure;

/// <summary>
/// The silos' tenant storage settings: bound and validated as the silo does, each region at its own database, and the
/// silos' connection pools within what each region server allows.
/// </summary>
internal static partial class ComposeRules
{
    /// <summary>PostgreSQL's <c>max_connections</c> when the service's command does not set it.</summary>
    public const int DefaultMaxConnections = 100;

    /// <summary>Connections left free on a region server: superuser_reserved_connections (3), the migrator, an operator's psql.</summary>
    public const int ConnectionsKeptFree = 10;

    /// <summary>Pools a silo opens to each region: tenant data (TenantRegions) and the region's grain storage provider.</summary>
    public const int RegionPoolsPerSilo = 2;

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

    [GeneratedRegex(@"max_connections=(\d+)")]
    private static partial Regex MaxConnectionsFlag();
}
