using System.Globalization;
using Npgsql;

namespace SaaSReference.Database.Audit;

/// <summary>
/// 12.4.2a: <c>verify</c> from the command line, for an auditor with read access to the database and no API:
/// <c>SaaSReference.Silo audit-verify [--chain platform|tenant:&lt;id&gt;]...</c> checks the named chains, or every
/// chain in the trail, against their hashes and signed checkpoints (the public keys of
/// <c>Audit:CheckpointPublicKeys</c>, plus the signing key's when configured), in the database and in the checkpoint log
/// outside it (<c>--checkpoints DIRECTORY</c> or <c>Audit:CheckpointDirectory</c>). Exit code 0: every chain intact;
/// 1: a chain is broken (where and what is printed); 2: bad arguments or no database.
/// </summary>
public static class AuditVerifyCommand
{
    public const string Name = "audit-verify";

    public static async Task<int> RunAsync(IReadOnlyList<string> args, string? connectionString, AuditOptions options, TextWriter output,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(output);
        var chains = new List<string>();
        var checkpointDirectory = options.CheckpointDirectory;
        for (var i = 0; i < args.Count; i++)
        {
            if (args[i] == "--chain" && i + 1 < args.Count && AuditChains.IsValid(args[i + 1]))
            {
                chains.Add(args[++i]);
            }
            else if (args[i] == "--checkpoints" && i + 1 < args.Count)
            {
                checkpointDirectory = args[++i];
            }
            else
            {
                await output.WriteLineAsync($"usage: {Name} [--chain platform|tenant:<id>]... [--checkpoints DIRECTORY] ('{args[i]}' is not understood)");
                return 2;
            }
        }
        if (checkpointDirectory is not null && !Directory.Exists(checkpointDirectory))
        {
            await output.WriteLineAsync($"The checkpoint log directory {checkpointDirectory} does not exist.");
            return 2;
        }
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            await output.WriteLineAsync("ConnectionStrings:platform is not configured.");
            return 2;
        }

        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        var store = new AuditStore(dataSource);
        using var keys = new AuditCheckpointKeys(
            string.IsNullOrEmpty(options.CheckpointSigningKey) ? null : Convert.FromBase64String(options.CheckpointSigningKey),
            options.CheckpointPublicKeys.Select(Convert.FromBase64String));
        var verifier = new AuditVerifier(store, keys,
            new AuditCheckpointLog(Microsoft.Extensions.Options.Options.Create(new AuditOptions { CheckpointDirectory = checkpointDirectory })));
        if (chains.Count == 0)
        {
            await using var command = dataSource.CreateCommand("SELECT DISTINCT chain FROM platform.audit_events ORDER BY chain");
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                chains.Add(reader.GetString(0));
            }
        }

        var broken = 0;
        foreach (var chain in chains)
        {
            var result = await verifier.VerifyAsync(chain, cancellationToken);
            broken += result.Intact ? 0 : 1;
            var line = result.Intact
                ? string.Create(CultureInfo.InvariantCulture,
                    $"intact  {chain}: {result.RecordsChecked} records, last seq {result.LastSeq}, {result.CheckpointsChecked} checkpoints ({result.CheckpointsWithUnknownKey} with an unknown key, {result.CheckpointsFromLog} read from the log)")
                : string.Create(CultureInfo.InvariantCulture, $"BROKEN  {chain}: at seq {result.FirstBadSeq}: {result.Problem}");
            await output.WriteLineAsync(line);
        }
        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"{chains.Count} chains checked, {broken} broken"));
        return broken == 0 ? 0 : 1;
    }
}
