using System.Text.Json;
using Npgsql;
using NpgsqlTypes;
using SaaSReference.Contracts.Quotas;

namespace SaaSReference.Database.Quotas;

/// <summary>
/// The versions of the platform configuration in <c>platform.configuration_versions</c> (12.1.2g). Versions are
/// only added: a change or a rollback is a new version, so every earlier one stays readable.
/// </summary>
public sealed class PlatformConfigurationStore(NpgsqlDataSource dataSource)
{
    private const string Columns = "version, document, created_at, requested_by, approved_by, note";

    /// <summary>The current (highest) version, creating version 1 from <paramref name="initial"/> on an empty platform.</summary>
    public async Task<PlatformConfigurationVersion> GetOrCreateCurrentAsync(PlatformSettings initial, TimeProvider time, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(initial);
        ArgumentNullException.ThrowIfNull(time);
        if (await GetCurrentAsync(cancellationToken) is { } current)
        {
            return current;
        }
        await using (var insert = dataSource.CreateCommand(
            "INSERT INTO platform.configuration_versions (version, document, created_at, requested_by, note) VALUES (1, $1, $2, 'platform', 'Initial configuration') ON CONFLICT DO NOTHING"))
        {
            insert.Parameters.Add(new NpgsqlParameter { Value = JsonSerializer.Serialize(initial, QuotaJson.Options), NpgsqlDbType = NpgsqlDbType.Jsonb });
            insert.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = time.GetUtcNow() });
            await insert.ExecuteNonQueryAsync(cancellationToken);
        }
        return await GetCurrentAsync(cancellationToken) ?? throw new InvalidOperationException("The initial configuration version was not stored.");
    }

    public async Task<PlatformConfigurationVersion?> GetCurrentAsync(CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand($"SELECT {Columns} FROM platform.configuration_versions ORDER BY version DESC LIMIT 1");
        return (await ReadAsync(command, cancellationToken)).FirstOrDefault();
    }

    public async Task<PlatformConfigurationVersion?> GetAsync(int version, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand($"SELECT {Columns} FROM platform.configuration_versions WHERE version = $1");
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = version });
        return (await ReadAsync(command, cancellationToken)).FirstOrDefault();
    }

    /// <summary>All versions, newest first.</summary>
    public async Task<IReadOnlyList<PlatformConfigurationVersion>> ListAsync(CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand($"SELECT {Columns} FROM platform.configuration_versions ORDER BY version DESC LIMIT 1000");
        return await ReadAsync(command, cancellationToken);
    }

    /// <summary>
    /// Stores <paramref name="settings"/> as the version after <paramref name="expectedCurrent"/>. Returns null when
    /// another version was added meanwhile (the caller's view is stale): nothing is written then.
    /// </summary>
    public async Task<PlatformConfigurationVersion?> AddAsync(int expectedCurrent, PlatformSettings settings, string requestedBy, string approvedBy,
        Guid changeId, string note, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(settings);
        await using var command = dataSource.CreateCommand(
            $"""
            INSERT INTO platform.configuration_versions (version, document, created_at, requested_by, approved_by, change_id, note)
            SELECT $1 + 1, $2, $3, $4, $5, $6, $7
             WHERE (SELECT coalesce(max(version), 0) FROM platform.configuration_versions) = $1
            ON CONFLICT (version) DO NOTHING
            RETURNING {Columns}
            """);
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = expectedCurrent });
        command.Parameters.Add(new NpgsqlParameter { Value = JsonSerializer.Serialize(settings, QuotaJson.Options), NpgsqlDbType = NpgsqlDbType.Jsonb });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = at });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = requestedBy });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = approvedBy });
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = changeId });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = note });
        return (await ReadAsync(command, cancellationToken)).FirstOrDefault();
    }

    private static async Task<List<PlatformConfigurationVersion>> ReadAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        var versions = new List<PlatformConfigurationVersion>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var settings = JsonSerializer.Deserialize<PlatformSettings>(reader.GetString(1), QuotaJson.Options)
                ?? throw new InvalidDataException($"Configuration version {reader.GetInt32(0)} holds no document.");
            versions.Add(new PlatformConfigurationVersion(reader.GetInt32(0), settings, reader.GetFieldValue<DateTimeOffset>(2),
                reader.GetString(3), reader.IsDBNull(4) ? null : reader.GetString(4), reader.GetString(5)));
        }
        return versions;
    }
}
