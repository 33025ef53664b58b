using Microsoft.Extensions.Options;
using Npgsql;

namespace SaaSReference.Database.TenantData;

/// <summary>
/// The region databases and one connection pool per region, shared by every tenant of the region: the number of
/// connections is bounded by the regions' <see cref="TenantRegionOptions.MaxPoolSize"/>, never by the number of tenants.
/// </summary>
public sealed class TenantRegions : IAsyncDisposable
{
    private readonly Dictionary<string, NpgsqlDataSource> _dataSources = new(StringComparer.Ordinal);

    public TenantRegions(IOptions<TenantStorageOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Options = options.Value;
        var problems = Options.Problems();
        if (problems.Count > 0)
        {
            throw new InvalidOperationException("Tenant storage is misconfigured: " + string.Join(" ", problems));
        }
        foreach (var (name, region) in Options.Regions)
        {
            _dataSources[name] = new NpgsqlDataSourceBuilder(ConnectionStringOf(name)) { Name = "tenant-" + name }.Build();
        }
    }

    public TenantStorageOptions Options { get; }

    /// <summary>The configured region names, sorted.</summary>
    public IReadOnlyList<string> Names => [.. _dataSources.Keys.Order(StringComparer.Ordinal)];

    public string DefaultRegion => Options.DefaultRegion;

    public bool IsKnown(string? region) => region is not null && _dataSources.ContainsKey(region);

    /// <summary>The region's connection pool.</summary>
    public NpgsqlDataSource DataSource(string region) =>
        _dataSources.TryGetValue(region, out var source) ? source : throw new ArgumentException($"Region '{region}' is not configured.", nameof(region));

    /// <summary>The region's connection string with its pool bound applied.</summary>
    public string ConnectionStringOf(string region)
    {
        var options = Options.Regions.TryGetValue(region, out var found) ? found : throw new ArgumentException($"Region '{region}' is not configured.", nameof(region));
        return new NpgsqlConnectionStringBuilder(options.ConnectionString) { MaxPoolSize = options.MaxPoolSize }.ConnectionString;
    }

    public TenantRegionOptions Region(string region) =>
        Options.Regions.TryGetValue(region, out var found) ? found : throw new ArgumentException($"Region '{region}' is not configured.", nameof(region));

    public async ValueTask DisposeAsync()
    {
        foreach (var source in _dataSources.Values)
        {
            await source.DisposeAsync();
        }
    }
}
