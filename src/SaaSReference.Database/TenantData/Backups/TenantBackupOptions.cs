namespace SaaSReference.Database.TenantData.Backups;

/// <summary>
/// Configuration section <c>TenantBackups</c>: how tenant backups are written and when they are taken on a schedule.
/// Where they are written is each region's <see cref="TenantRegionOptions.BackupDirectory"/> (and its
/// <see cref="TenantRegionOptions.BackupCopyRegion"/> for the copy, 18.1.3a).
/// </summary>
public sealed class TenantBackupOptions
{
    public const string Section = "TenantBackups";
    public const int MinChunkSizeBytes = 4 * 1024;
    public const int MaxChunkSizeBytes = 16 * 1024 * 1024;

    /// <summary>Plaintext bytes per encrypted chunk of an artifact: the most a backup or restore holds in memory at once.</summary>
    public int ChunkSizeBytes { get; set; } = 1024 * 1024;

    /// <summary>Backups this process takes at the same time (API and schedule together); the others wait.</summary>
    public int MaxConcurrentBackups { get; set; } = 1;

    /// <summary>Whether this process takes scheduled backups. Off unless configured (tests and development stay quiet).</summary>
    public bool ScheduleEnabled { get; set; }

    /// <summary>A tenant (and the platform) is backed up when its newest backup is older than this.</summary>
    public TimeSpan ScheduleInterval { get; set; } = TimeSpan.FromDays(1);

    /// <summary>How often the scheduler looks for tenants whose backup is due.</summary>
    public TimeSpan ScheduleCheckInterval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>A backup still <c>creating</c> after this long was interrupted (its process died); it is marked failed.</summary>
    public TimeSpan StaleCreatingAfter { get; set; } = TimeSpan.FromHours(6);

    /// <summary>How long a restore waits for the locks on the tenant's tables before it gives up and changes nothing.</summary>
    public TimeSpan RestoreLockTimeout { get; set; } = TimeSpan.FromSeconds(30);

    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        if (ChunkSizeBytes is < MinChunkSizeBytes or > MaxChunkSizeBytes)
        {
            problems.Add($"{Section}:ChunkSizeBytes must be from {MinChunkSizeBytes} to {MaxChunkSizeBytes}.");
        }
        if (MaxConcurrentBackups is < 1 or > 16)
        {
            problems.Add($"{Section}:MaxConcurrentBackups must be from 1 to 16.");
        }
        if (ScheduleInterval < TimeSpan.FromMinutes(1) || ScheduleCheckInterval < TimeSpan.FromSeconds(1))
        {
            problems.Add($"{Section}:ScheduleInterval must be at least a minute and ScheduleCheckInterval at least a second.");
        }
        if (StaleCreatingAfter < TimeSpan.FromMinutes(1) || RestoreLockTimeout < TimeSpan.FromSeconds(1))
        {
            problems.Add($"{Section}:StaleCreatingAfter must be at least a minute and RestoreLockTimeout at least a second.");
        }
        return problems;
    }
}

/// <summary>
/// Configuration section <c>PlatformBackups</c>: where backups of the platform's configuration and catalogue go. A
/// directory of its own, never inside or around a region's tenant backup site (12.3.1a).
/// </summary>
public sealed class PlatformBackupOptions
{
    public const string Section = "PlatformBackups";

    public string Directory { get; set; } = "";

    /// <summary>What is wrong with this directory given the regions' backup sites, or an empty list.</summary>
    public IReadOnlyList<string> Problems(TenantStorageOptions storage)
    {
        ArgumentNullException.ThrowIfNull(storage);
        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(Directory))
        {
            problems.Add($"{Section}:Directory is not configured: platform backups need a directory of their own.");
            return problems;
        }
        var platform = Normalize(Directory);
        foreach (var (name, region) in storage.Regions)
        {
            if (string.IsNullOrWhiteSpace(region.BackupDirectory))
            {
                continue;
            }
            var site = Normalize(region.BackupDirectory);
            if (platform.StartsWith(site, StringComparison.Ordinal) || site.StartsWith(platform, StringComparison.Ordinal))
            {
                problems.Add($"{Section}:Directory and the backup site of region {name} overlap; platform and tenant backups are kept apart (12.3.1a).");
            }
        }
        return problems;
    }

    internal static string Normalize(string path) =>
        Path.TrimEndingDirectorySeparator(Path.GetFullPath(path)) + Path.DirectorySeparatorChar;
}
