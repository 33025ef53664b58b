namespace SaaSReference.Deployment.Tests.Infrastructure;

/// <summary>The silos' file stores (backup sites, key store, platform backups, audit checkpoint log) and their volumes.</summary>
internal static partial class ComposeRules
{
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

    private static bool IsUnder(string path, string folder) => path.StartsWith(folder + "/", StringComparison.Ordinal);
}
