namespace SaaSReference.Deployment.Tests.Infrastructure;

/// <summary>The region databases (8.1.1a): one PostgreSQL of its own per tenant region.</summary>
internal static partial class ComposeRules
{
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

    private static bool HealthcheckRuns(ComposeService service, string probe)
    {
        if (service.Map("healthcheck") is not { } healthcheck || (Yaml.Get(healthcheck, "disable") as YamlDotNet.RepresentationModel.YamlScalarNode)?.Value == "true")
        {
            return false;
        }
        var test = string.Join(' ', Yaml.Scalars(Yaml.Get(healthcheck, "test") ?? new YamlDotNet.RepresentationModel.YamlScalarNode("")));
        return test.Contains(probe, StringComparison.Ordinal) && !test.Contains("NONE", StringComparison.Ordinal);
    }
}
