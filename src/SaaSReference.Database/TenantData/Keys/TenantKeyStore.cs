using Npgsql;

namespace SaaSReference.Database.TenantData.Keys;

/// <summary>The life of one version of a tenant's data key.</summary>
public enum TenantKeyVersionState
{
    /// <summary>Encrypts new data; one per tenant.</summary>
    Active,
    /// <summary>Replaced by a rotation; still decrypts what it encrypted (data not yet re-encrypted, older backups).</summary>
    Retired,
    /// <summary>Destroyed at the key provider (termination, 8.1.5d).</summary>
    Destroyed,
}

/// <summary>One version of a tenant's data key as the platform database records it: metadata, never key material.</summary>
public sealed record TenantKeyVersion(
    int Version,
    TenantKeyVersionState State,
    string Provider,
    DateTimeOffset CreatedAt,
    string CreatedBy,
    DateTimeOffset? RetiredAt,
    DateTimeOffset? DestroyedAt,
    DateTimeOffset? RotationCompletedAt);

/// <summary>A tenant's data key as a whole (10.1.2b): its versions, whether it is revoked, whether it was destroyed.</summary>
public sealed record TenantKeyStatus(
    string TenantId,
    bool Revoked,
    DateTimeOffset? RevokedAt,
    string? RevokedBy,
    string? RevokeReason,
    DateTimeOffset? ReinstatedAt,
    string? ReinstatedBy,
    DateTimeOffset? DestroyedAt,
    string? DestroyedBy,
    long Revision,
    IReadOnlyList<TenantKeyVersion> Versions)
{
    public bool Destroyed => DestroyedAt is not null;

    /// <summary>The version that encrypts new data, or null when there is none (not provisioned, or destroyed).</summary>
    public TenantKeyVersion? Current => Versions.FirstOrDefault(v => v.State == TenantKeyVersionState.Active);

    /// <summary>The versions that still decrypt: current first, then the retired ones, newest first.</summary>
    public IReadOnlyList<TenantKeyVersion> Readable =>
        [.. Versions.Where(v => v.State != TenantKeyVersionState.Destroyed).OrderBy(v => v.State == TenantKeyVersionState.Active ? 0 : 1).ThenByDescending(v => v.Version)];

    /// <summary>Why no key of the tenant can be used now, or null when they can.</summary>
    public TenantKeyUnavailableReason? Unavailable =>
        Destroyed ? TenantKeyUnavailableReason.Destroyed
        : Revoked ? TenantKeyUnavailableReason.Revoked
        : Current is null ? TenantKeyUnavailableReason.Missing
        : null;

    /// <summary>The exception for <see cref="Unavailable"/>; its message names the tenant and the reason, nothing secret.</summary>
    public TenantKeyUnavailableException ToException() => TenantKeyStore.Unavailable(TenantId, Unavailable ?? TenantKeyUnavailableReason.Missing);
}

/// <summary>
/// Reads the tenants' data-key metadata (<c>platform.tenant_key_status</c>, <c>platform.tenant_keys</c>) in the platform
/// database. Changes go through <see cref="TenantKeyManager"/>.
/// </summary>
public sealed class TenantKeyStore(NpgsqlDataSource platform)
{
    internal const string StatusColumns =
        "tenant_id, revoked, revoked_at, revoked_by, revoke_reason, reinstated_at, reinstated_by, destroyed_at, destroyed_by, revision";

    internal const string VersionColumns = "version, state, provider, created_at, created_by, retired_at, destroyed_at, rotation_completed_at";

    /// <summary>The tenant's key status, or null when the platform never recorded a key for it.</summary>
    public async Task<TenantKeyStatus?> GetAsync(string tenantId, CancellationToken cancellationToken = default)
    {
        await using var connection = await platform.OpenConnectionAsync(cancellationToken);
        return await ReadAsync(connection, null, tenantId, forUpdate: false, cancellationToken);
    }

    internal static async Task<TenantKeyStatus?> ReadAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string tenantId, bool forUpdate,
        CancellationToken cancellationToken)
    {
        TenantKeyStatus? status;
        await using (var command = new NpgsqlCommand(
            $"SELECT {StatusColumns} FROM platform.tenant_key_status WHERE tenant_id = $1" + (forUpdate ? " FOR UPDATE" : ""), connection, transaction))
        {
            command.Parameters.Add(new() { Value = tenantId });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            if (!await reader.ReadAsync(cancellationToken))
            {
                return null;
            }
            status = new TenantKeyStatus(
                reader.GetString(0), reader.GetBoolean(1), NullableTime(reader, 2), NullableText(reader, 3), NullableText(reader, 4),
                NullableTime(reader, 5), NullableText(reader, 6), NullableTime(reader, 7), NullableText(reader, 8), reader.GetInt64(9), []);
        }
        var versions = new List<TenantKeyVersion>();
        await using (var command = new NpgsqlCommand(
            $"SELECT {VersionColumns} FROM platform.tenant_keys WHERE tenant_id = $1 ORDER BY version", connection, transaction))
        {
            command.Parameters.Add(new() { Value = tenantId });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                versions.Add(new TenantKeyVersion(
                    reader.GetInt32(0), StateOf(reader.GetString(1)), reader.GetString(2), reader.GetFieldValue<DateTimeOffset>(3), reader.GetString(4),
                    NullableTime(reader, 5), NullableTime(reader, 6), NullableTime(reader, 7)));
            }
        }
        return status with { Versions = versions };
    }

    public static string Text(TenantKeyVersionState state) => state switch
    {
        TenantKeyVersionState.Active => "active",
        TenantKeyVersionState.Retired => "retired",
        TenantKeyVersionState.Destroyed => "destroyed",
        _ => throw new ArgumentOutOfRangeException(nameof(state), state, null),
    };

    private static TenantKeyVersionState StateOf(string text) => text switch
    {
        "active" => TenantKeyVersionState.Active,
        "retired" => TenantKeyVersionState.Retired,
        "destroyed" => TenantKeyVersionState.Destroyed,
        _ => throw new InvalidOperationException($"Unknown tenant key state '{text}'."),
    };

    public static TenantKeyUnavailableException Unavailable(string tenantId, TenantKeyUnavailableReason reason, string? message = null) =>
        new(tenantId, reason, message ?? reason switch
        {
            TenantKeyUnavailableReason.Revoked => $"The data key of tenant '{tenantId}' is revoked by its administrators; its data is unreadable until they reinstate it.",
            TenantKeyUnavailableReason.Destroyed => $"The data key of tenant '{tenantId}' was destroyed; its data can never be decrypted again.",
            _ => $"Tenant '{tenantId}' has no data key: its storage is not provisioned.",
        });

    private static DateTimeOffset? NullableTime(NpgsqlDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : reader.GetFieldValue<DateTimeOffset>(ordinal);

    private static string? NullableText(NpgsqlDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);
}
