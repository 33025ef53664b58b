using System.Text.RegularExpressions;

namespace SaaSReference.Database.TenantData;

/// <summary>
/// Configuration section <c>TenantStorage</c>: the regions a tenant can choose (16.1.7e), each a PostgreSQL database
/// of its own for entrusted data, with the backup site of that region.
/// </summary>
public sealed partial class TenantStorageOptions
{
    public const string Section = "TenantStorage";

    /// <summary>The region of a tenant created without one.</summary>
    public string DefaultRegion { get; set; } = "jp-east";

    /// <summary>The regions by name (<c>jp-east</c>, <c>jp-west</c>...).</summary>
    public Dictionary<string, TenantRegionOptions> Regions { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Region names: two letters of the country, a dash, the area (2 to 20 lower-case letters or digits).</summary>
    public static bool IsValidRegionName(string? name) => name is not null && RegionPattern().IsMatch(name);

    /// <summary>What is wrong with this configuration, or an empty list.</summary>
    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        if (Regions.Count == 0)
        {
            problems.Add($"{Section}:Regions names no region: at least one region database is needed for tenants' data.");
        }
        foreach (var (name, region) in Regions)
        {
            if (!IsValidRegionName(name))
            {
                problems.Add($"{Section}:Regions:{name}: a region name is two letters, a dash and 2 to 20 lower-case letters or digits (e.g. jp-east).");
            }
            if (string.IsNullOrWhiteSpace(region.ConnectionString))
            {
                problems.Add($"{Section}:Regions:{name}:ConnectionString is missing.");
            }
            if (region.BackupCopyRegion is { } copy && (copy == name || !Regions.ContainsKey(copy)))
            {
                problems.Add($"{Section}:Regions:{name}:BackupCopyRegion '{copy}' must be another configured region.");
            }
        }
        if (Regions.Count > 0 && !Regions.ContainsKey(DefaultRegion))
        {
            problems.Add($"{Section}:DefaultRegion '{DefaultRegion}' is not one of the configured regions.");
        }
        return problems;
    }

    [GeneratedRegex("^[a-z]{2}-[a-z0-9]{2,20}$", RegexOptions.CultureInvariant)]
    private static partial Regex RegionPattern();
}

/// <summary>One region: its tenant-storage database and its backup site.</summary>
public sealed class TenantRegionOptions
{
    /// <summary>The region's own PostgreSQL database (never the platform database).</summary>
    public string ConnectionString { get; set; } = "";

    /// <summary>
    /// The most connections the silo opens to this region's database, whatever the number of tenants in it
    /// (one pool per region, never one per tenant).
    /// </summary>
    public int MaxPoolSize { get; set; } = 20;

    /// <summary>Where backups of this region's tenants are written (a directory standing for the region's backup store).</summary>
    public string BackupDirectory { get; set; } = "";

    /// <summary>
    /// The region whose backup site receives a copy of every backup of this region (18.1.3a), or null for none.
    /// Both regions must be in the same residency area as the tenants accept (16.1.7e): see docs/tenant-storage.md.
    /// </summary>
    public string? BackupCopyRegion { get; set; }
}
