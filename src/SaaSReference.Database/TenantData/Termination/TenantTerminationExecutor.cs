using System.Globalization;
using Microsoft.Extensions.Logging;
using Npgsql;
using SaaSReference.Database.Audit;
using SaaSReference.Database.TenantData.Keys;

namespace SaaSReference.Database.TenantData.Termination;

/// <summary>
/// Sets a tenant's standing to terminated wherever it is enforced (the tenant grain, which publishes it to every gateway and
/// silo). Idempotent: a tenant already terminated is left as it is.
/// </summary>
public interface ITenantStandingTerminator
{
    Task TerminateAsync(string tenantId, string requestedBy, string approvedBy, string note, CancellationToken cancellationToken);
}

/// <summary>
/// Executes approved terminations whose grace period is over (8.1.5d), and records what was destroyed (8.1.5e/f). The steps,
/// in order, each safe to repeat when an execution was interrupted (the next poll, on any silo, finishes it):
/// <list type="number">
/// <item>the tenant's standing becomes terminated everywhere: every request of the tenant is refused from then on;</item>
/// <item>every version of its data key is destroyed at the key provider (crypto-shredding), and the provider is checked to
/// refuse each one: its data, and every backup and copy of it, can never be decrypted again;</item>
/// <item>its backups are listed as made undecryptable;</item>
/// <item>its schema is dropped from its region database (rows counted just before) and checked gone;</item>
/// <item>the platform's catalog marks its storage terminated (never provisioned again) and this silo forgets its location;</item>
/// <item>the termination is audited and marked executed.</item>
/// </list>
/// Several silos poll at once: a termination is claimed with <c>FOR UPDATE SKIP LOCKED</c> and executed under a session lock
/// only one process holds (<see cref="TenantTerminationStore.TryLeaseAsync"/>).
/// </summary>
public sealed partial class TenantTerminationExecutor(
    TenantTerminationStore store,
    ITenantStandingTerminator standing,
    TenantKeyManager keys,
    TenantKeyStore keyStore,
    ITenantKeyProvider provider,
    TenantStorageCatalog catalog,
    TenantRegions regions,
    TenantStorageLocator locator,
    NpgsqlDataSource platform,
    IAuditTrail audit,
    TimeProvider time,
    ILogger<TenantTerminationExecutor> logger)
{
    /// <summary>Terminations claimed per poll.</summary>
    public const int BatchSize = 10;

    /// <summary>
    /// Executes every termination that is due now (approved, grace period over) or was interrupted, that no other process
    /// holds. Answers the terminations this call executed. A failed one is logged and left executing: the next poll retries it.
    /// </summary>
    public async Task<IReadOnlyList<TenantTermination>> ExecuteDueAsync(CancellationToken cancellationToken = default)
    {
        var executed = new List<TenantTermination>();
        foreach (var id in await store.ClaimDueAsync(BatchSize, cancellationToken))
        {
            try
            {
                if (await ExecuteAsync(id, cancellationToken) is { } done)
                {
                    executed.Add(done);
                }
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                LogExecutionFailed(logger, id, exception.GetType().Name, exception.Message);
            }
        }
        return executed;
    }

    /// <summary>
    /// Executes one claimed termination; null when another process holds it or it is no longer executing.
    /// </summary>
    public async Task<TenantTermination?> ExecuteAsync(Guid terminationId, CancellationToken cancellationToken = default)
    {
        await using var lease = await store.TryLeaseAsync(terminationId, cancellationToken);
        if (lease is null)
        {
            return null;
        }
        var termination = await lease.ReloadAsync(cancellationToken)
            ?? throw new InvalidOperationException($"Termination {terminationId} cannot be read.");
        var tenantId = termination.TenantId;
        var approvedBy = termination.ApprovedBy
            ?? throw new InvalidOperationException($"Termination {terminationId} is executing without an approval.");
        LogExecuting(logger, terminationId, tenantId, termination.RequestedBy, approvedBy);

        // 1. Refused everywhere from now on (the grain publishes the standing to every gateway and silo before it answers).
        await standing.TerminateAsync(tenantId, termination.RequestedBy, approvedBy, Limit(string.Create(CultureInfo.InvariantCulture,
            $"Terminated at its admin's request (termination {terminationId}, requested by {termination.RequestedBy}, approved by {approvedBy}).")),
            cancellationToken);

        // 2. Crypto-shredding: every version destroyed at the provider (audited as tenant-data.key-destroyed by the manager).
        await keys.DestroyAllAsync(tenantId, TenantTerminationService.PlatformActor, cancellationToken);
        var versions = await DestroyedVersionsAsync(tenantId, cancellationToken);
        await lease.RecordKeysDestroyedAsync(versions, cancellationToken);

        // 3. The backups no key can decrypt any more (listed after the destruction: a backup racing it failed for want of a key).
        await lease.RecordBackupsAsync(await BackupsAsync(tenantId, cancellationToken), cancellationToken);

        // 4. The schema and every row in it.
        if (await catalog.GetAsync(tenantId, cancellationToken) is { } location)
        {
            await DropSchemaAsync(location, lease, cancellationToken);
            await lease.RecordSchemaDroppedAsync(cancellationToken);
            // 5. Never provisioned again; this silo's cached location goes (another silo's points at a dropped schema: refused).
            await catalog.MarkTerminatedAsync(tenantId, time.GetUtcNow(), cancellationToken);
        }
        locator.Forget(tenantId);
        await lease.RecordStorageTerminatedAsync(cancellationToken);

        // 6. Audited before it is marked executed: an interruption between the two repeats the record, never loses it.
        var evidence = (await lease.ReloadAsync(cancellationToken))!.Evidence;
        await audit.WriteNowAsync(new AuditEvent(AuditEventTypes.TenantTerminated, TenantTerminationService.PlatformActor, tenantId,
            tenantId + "/termination", "success", new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["details"] = Describe(termination, evidence),
            }), cancellationToken);
        var done = await lease.CompleteAsync(cancellationToken);
        LogExecuted(logger, terminationId, tenantId);
        return done;
    }

    /// <summary>Every version of the tenant's key, each checked destroyed in the platform's record and refused by the provider.</summary>
    private async Task<IReadOnlyList<int>> DestroyedVersionsAsync(string tenantId, CancellationToken cancellationToken)
    {
        var status = await keyStore.GetAsync(tenantId, cancellationToken);
        if (status is not { Destroyed: true })
        {
            throw new InvalidOperationException($"The data key of tenant '{tenantId}' is not recorded destroyed.");
        }
        var versions = status.Versions.OrderBy(v => v.Version).ToList();
        foreach (var version in versions)
        {
            if (version.State != TenantKeyVersionState.Destroyed)
            {
                throw new InvalidOperationException($"Version {version.Version} of the data key of tenant '{tenantId}' is not recorded destroyed.");
            }
            try
            {
                await provider.UnwrapAsync(tenantId, version.Version, cancellationToken);
            }
            catch (TenantKeyUnavailableException exception) when (exception.Reason == TenantKeyUnavailableReason.Destroyed)
            {
                continue;
            }
            throw new InvalidOperationException($"The key provider still unwraps version {version.Version} of the data key of tenant '{tenantId}'.");
        }
        return [.. versions.Select(v => v.Version)];
    }

    private async Task<IReadOnlyList<UndecryptableBackup>> BackupsAsync(string tenantId, CancellationToken cancellationToken)
    {
        await using var command = platform.CreateCommand(
            """
            SELECT backup_id, region, key_version, created_at, CASE WHEN copied_at IS NOT NULL THEN copy_region END
              FROM platform.tenant_backups
             WHERE tenant_id = $1 AND status = 'completed'
             ORDER BY created_at, backup_id
            """);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = tenantId });
        var backups = new List<UndecryptableBackup>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            backups.Add(new UndecryptableBackup(reader.GetGuid(0), reader.GetString(1), reader.GetInt32(2), reader.GetFieldValue<DateTimeOffset>(3),
                reader.IsDBNull(4) ? null : reader.GetString(4)));
        }
        return backups;
    }

    /// <summary>
    /// Counts the rows of every table of the tenant's schema, records them, drops the schema (<c>tenant_storage.drop_tenant</c>)
    /// under the tenant's lock in its region (the lock provisioning and restores take) and checks that nothing of it is left.
    /// </summary>
    private async Task DropSchemaAsync(TenantStorageLocation location, TenantTerminationLease lease, CancellationToken cancellationToken)
    {
        var tenantId = location.TenantId;
        await using (var connection = await regions.DataSource(location.Region).OpenConnectionAsync(cancellationToken))
        {
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            await ExecuteAsync(connection, "SELECT pg_advisory_xact_lock(hashtextextended('saasref-tenant:' || $1, 0))", cancellationToken, tenantId);
            var registered = await ScalarAsync<string>(connection, "SELECT schema_name FROM tenant_storage.tenants WHERE tenant_id = $1", cancellationToken, tenantId);
            if (registered is not null && !string.Equals(registered, location.SchemaName, StringComparison.Ordinal))
            {
                throw new InvalidOperationException(
                    $"The region {location.Region} registers tenant '{tenantId}' under schema {registered}, not {location.SchemaName}: nothing was dropped.");
            }
            IReadOnlyDictionary<string, long>? rows = registered is null ? null : await CountRowsAsync(connection, registered, cancellationToken);
            await lease.RecordRowsAsync(location.Region, location.SchemaName, rows, cancellationToken);
            if (registered is not null)
            {
                await ExecuteAsync(connection, "SELECT tenant_storage.drop_tenant($1)", cancellationToken, tenantId);
            }
            await transaction.CommitAsync(cancellationToken);
        }
        await using var check = await regions.DataSource(location.Region).OpenConnectionAsync(cancellationToken);
        var left = await ScalarAsync<bool>(check,
            "SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1) OR EXISTS (SELECT 1 FROM tenant_storage.tenants WHERE tenant_id = $2)",
            cancellationToken, location.SchemaName, tenantId);
        if (left)
        {
            throw new InvalidOperationException($"The schema {location.SchemaName} of tenant '{tenantId}' is still in region {location.Region}.");
        }
    }

    private static async Task<IReadOnlyDictionary<string, long>> CountRowsAsync(NpgsqlConnection connection, string schema, CancellationToken cancellationToken)
    {
        var tables = new List<string>();
        await using (var command = new NpgsqlCommand(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = $1 AND table_type = 'BASE TABLE' ORDER BY table_name", connection))
        {
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = schema });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                tables.Add(reader.GetString(0));
            }
        }
        var rows = new SortedDictionary<string, long>(StringComparer.Ordinal);
        foreach (var table in tables)
        {
            rows[table] = await ScalarAsync<long>(connection, $"SELECT count(*) FROM {Quote(schema)}.{Quote(table)}", cancellationToken);
        }
        return rows;
    }

    private static string Describe(TenantTermination termination, TenantTerminationEvidence evidence)
    {
        var rows = evidence.DroppedRows is { } counted ? string.Join(", ", counted.Select(pair => $"{pair.Key} {pair.Value}")) : "not counted (already dropped)";
        var backups = evidence.BackupsUndecryptable ?? [];
        var versions = evidence.KeyVersionsDestroyed is { Count: > 0 } v ? string.Join(", ", v) : "none";
        var storage = evidence.SchemaName is null ? "no storage was provisioned" : $"schema {evidence.SchemaName} dropped in region {evidence.Region} (rows: {rows})";
        return Limit(string.Create(CultureInfo.InvariantCulture,
            $"termination {termination.Id}; requested by {termination.RequestedBy} at {termination.RequestedAt:O}, approved by {termination.ApprovedBy}; data key versions destroyed at the provider: {versions}; {backups.Count} backup(s) undecryptable; {storage}"));
    }

    private static string Limit(string text) => text.Length <= 2000 ? text : text[..1999] + "…";

    private static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken, params object[] parameters)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = parameter });
        }
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static async Task<T?> ScalarAsync<T>(NpgsqlConnection connection, string sql, CancellationToken cancellationToken, params object[] parameters)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = parameter });
        }
        var value = await command.ExecuteScalarAsync(cancellationToken);
        return value is null or DBNull ? default : (T)value;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Executing termination {TerminationId} of tenant {TenantId} (requested by {RequestedBy}, approved by {ApprovedBy}).")]
    private static partial void LogExecuting(ILogger logger, Guid terminationId, string tenantId, string requestedBy, string approvedBy);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Termination {TerminationId} of tenant {TenantId} executed: key destroyed, storage dropped.")]
    private static partial void LogExecuted(ILogger logger, Guid terminationId, string tenantId);

    [LoggerMessage(Level = LogLevel.Error, Message = "Termination {TerminationId} failed ({ErrorType}: {Reason}); the next poll finishes it.")]
    private static partial void LogExecutionFailed(ILogger logger, Guid terminationId, string errorType, string reason);
}
