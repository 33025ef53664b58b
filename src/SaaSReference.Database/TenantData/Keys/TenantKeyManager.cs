using System.Globalization;
using Npgsql;
using SaaSReference.Database.Audit;

namespace SaaSReference.Database.TenantData.Keys;

/// <summary>The outcome of a revocation or reinstatement.</summary>
public sealed record TenantKeyChangeResult(TenantKeyStatus Status, bool Changed);

/// <summary>
/// Changes to the tenants' data keys (10.1.2b, 8.1.5d): the first version at provisioning, rotation, revocation and
/// reinstatement by the tenant's admins, destruction at termination. Each change is recorded in the platform database
/// (whose triggers notify every silo's <see cref="TenantKeyring"/>), enforced at the key provider, and written to the audit
/// trail before the method returns. Every method is safe to repeat after a failure.
/// </summary>
public sealed class TenantKeyManager(
    NpgsqlDataSource platform,
    ITenantKeyProvider provider,
    TenantKeyring keyring,
    IAuditTrail audit,
    TimeProvider time)
{
    /// <summary>The audit actor of acts the platform does by itself (re-encryption completed).</summary>
    public const string PlatformActor = "platform";

    /// <summary>The longest revocation reason.</summary>
    public const int MaxReasonLength = 500;

    /// <summary>
    /// Makes sure the tenant has a data key: creates version 1 at the provider and records it, unless a version exists.
    /// Idempotent and safe against a concurrent call (the tenant's status row is locked).
    /// </summary>
    /// <exception cref="TenantKeyUnavailableException">The tenant's keys were destroyed (Destroyed).</exception>
    public async Task<TenantKeyStatus> EnsureProvisionedAsync(string tenantId, string actor, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(actor);
        var existing = await keyring.GetStatusAsync(tenantId, cancellationToken);
        if (existing.Destroyed)
        {
            throw existing.ToException();
        }
        if (existing.Current is not null)
        {
            return existing;
        }
        var status = await InTransactionAsync(tenantId, async (connection, transaction, status) =>
        {
            if (status.Destroyed)
            {
                throw status.ToException();
            }
            if (status.Versions.Count > 0)
            {
                return false;
            }
            // Idempotent at the provider: a key created by an interrupted earlier attempt is adopted.
            await provider.CreateAsync(tenantId, 1, cancellationToken);
            await InsertVersionAsync(connection, transaction, tenantId, 1, actor, cancellationToken);
            return true;
        }, cancellationToken);
        return status;
    }

    /// <summary>
    /// Rotates the tenant's data key: a new version encrypts new data from now on, the previous one is retired and stays
    /// readable (data not yet re-encrypted, older backups). Re-encrypting the old data is the rotation grain's work.
    /// </summary>
    /// <exception cref="TenantKeyUnavailableException">No key (Missing), revoked (reinstate first) or destroyed.</exception>
    public async Task<TenantKeyStatus> RotateAsync(string tenantId, string actor, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(actor);
        int from = 0, to = 0;
        var status = await InTransactionAsync(tenantId, async (connection, transaction, status) =>
        {
            if (status.Unavailable is not null)
            {
                throw status.ToException();
            }
            from = status.Current!.Version;
            to = status.Versions.Max(v => v.Version) + 1;
            await provider.CreateAsync(tenantId, to, cancellationToken);
            await ExecuteAsync(connection, transaction,
                "UPDATE platform.tenant_keys SET state = 'retired', retired_at = $3 WHERE tenant_id = $1 AND version = $2 AND state = 'active'",
                cancellationToken, tenantId, from, time.GetUtcNow());
            await InsertVersionAsync(connection, transaction, tenantId, to, actor, cancellationToken);
            return true;
        }, cancellationToken);
        await AuditAsync(AuditEventTypes.TenantKeyRotated, actor, tenantId, string.Create(CultureInfo.InvariantCulture,
            $"version {from} retired (stays readable), version {to} encrypts new data; re-encryption of older data started"), cancellationToken);
        return status;
    }

    /// <summary>
    /// Revokes the tenant's data key (every version): from the moment this returns no silo decrypts or encrypts its data,
    /// and the provider refuses to unwrap its keys. Answers Changed = false when it was already revoked (the provider is
    /// told again, finishing an interrupted revocation).
    /// </summary>
    /// <exception cref="TenantKeyUnavailableException">No key (Missing) or destroyed.</exception>
    public async Task<TenantKeyChangeResult> RevokeAsync(string tenantId, string actor, string reason, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(actor);
        ArgumentException.ThrowIfNullOrWhiteSpace(reason);
        if (reason.Length > MaxReasonLength)
        {
            throw new ArgumentException($"A reason has at most {MaxReasonLength} characters.", nameof(reason));
        }
        var changed = false;
        var status = await InTransactionAsync(tenantId, async (connection, transaction, status) =>
        {
            if (status.Destroyed || status.Current is null)
            {
                throw status.ToException();
            }
            if (status.Revoked)
            {
                return false;
            }
            // The platform's record first: once committed, every silo's keyring refuses the key (NOTIFY).
            await ExecuteAsync(connection, transaction,
                """
                UPDATE platform.tenant_key_status
                   SET revoked = true, revoked_at = $2, revoked_by = $3, revoke_reason = $4, revision = revision + 1
                 WHERE tenant_id = $1
                """, cancellationToken, tenantId, time.GetUtcNow(), actor, reason);
            changed = true;
            return true;
        }, cancellationToken);
        // Then the provider: even a process that bypassed the metadata cannot unwrap any more.
        await provider.DisableAsync(tenantId, cancellationToken);
        if (changed)
        {
            await AuditAsync(AuditEventTypes.TenantKeyRevoked, actor, tenantId, "reason: " + reason, cancellationToken);
        }
        return new TenantKeyChangeResult(status, changed);
    }

    /// <summary>Reinstates a revoked key: its data is readable again. Answers Changed = false when it was not revoked.</summary>
    /// <exception cref="TenantKeyUnavailableException">No key (Missing) or destroyed.</exception>
    public async Task<TenantKeyChangeResult> ReinstateAsync(string tenantId, string actor, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(actor);
        var current = await LoadAsync(tenantId, cancellationToken);
        if (current.Destroyed || current.Current is null)
        {
            throw current.ToException();
        }
        if (!current.Revoked)
        {
            return new TenantKeyChangeResult(current, false);
        }
        // The provider first: when the platform's record says usable, the provider unwraps.
        await provider.EnableAsync(tenantId, cancellationToken);
        var changed = false;
        var status = await InTransactionAsync(tenantId, async (connection, transaction, status) =>
        {
            if (status.Destroyed)
            {
                throw status.ToException();
            }
            if (!status.Revoked)
            {
                return false;
            }
            await ExecuteAsync(connection, transaction,
                """
                UPDATE platform.tenant_key_status
                   SET revoked = false, reinstated_at = $2, reinstated_by = $3, revision = revision + 1
                 WHERE tenant_id = $1
                """, cancellationToken, tenantId, time.GetUtcNow(), actor);
            changed = true;
            return true;
        }, cancellationToken);
        if (changed)
        {
            await AuditAsync(AuditEventTypes.TenantKeyReinstated, actor, tenantId, "revocation lifted", cancellationToken);
        }
        return new TenantKeyChangeResult(status, changed);
    }

    /// <summary>
    /// Destroys every version of the tenant's data key (termination, 8.1.5d: crypto-shredding): its data, and every backup
    /// of it, can never be decrypted again, and no key is ever created for the tenant again. Works for a tenant with no key
    /// too (it then never gets one). Idempotent: a repeated call finishes an interrupted one at the provider and answers
    /// false (already destroyed); each call is audited.
    /// </summary>
    public async Task<bool> DestroyAllAsync(string tenantId, string actor, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(actor);
        var destroyedNow = false;
        int[] versions = [];
        await InTransactionAsync(tenantId, async (connection, transaction, status) =>
        {
            versions = [.. status.Versions.Where(v => v.State != TenantKeyVersionState.Destroyed).Select(v => v.Version)];
            if (status.Destroyed && versions.Length == 0)
            {
                return false;
            }
            var now = time.GetUtcNow();
            // The platform's record first: every silo stops using the keys at once, then the provider destroys them.
            await ExecuteAsync(connection, transaction,
                "UPDATE platform.tenant_keys SET state = 'destroyed', destroyed_at = $2 WHERE tenant_id = $1 AND state <> 'destroyed'",
                cancellationToken, tenantId, now);
            await ExecuteAsync(connection, transaction,
                """
                UPDATE platform.tenant_key_status
                   SET destroyed_at = coalesce(destroyed_at, $2), destroyed_by = coalesce(destroyed_by, $3), revision = revision + 1
                 WHERE tenant_id = $1
                """, cancellationToken, tenantId, now, actor);
            destroyedNow = true;
            return true;
        }, cancellationToken);
        await provider.DestroyAllAsync(tenantId, cancellationToken);
        await AuditAsync(AuditEventTypes.TenantKeyDestroyed, actor, tenantId, destroyedNow
            ? "versions destroyed: " + (versions.Length == 0 ? "none (no key was ever created)" : string.Join(", ", versions)) + "; destroyed at the key provider"
            : "already destroyed; destruction at the key provider confirmed", cancellationToken);
        return destroyedNow;
    }

    /// <summary>
    /// Records that no live data of the tenant needs a version older than <paramref name="version"/> any more (the rotation
    /// grain's completion), audited once. Older versions stay readable for older backups. Answers false when already recorded.
    /// </summary>
    public async Task<bool> CompleteRotationAsync(string tenantId, int version, string details, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(details);
        await using var connection = await platform.OpenConnectionAsync(cancellationToken);
        var updated = await ExecuteAsync(connection, null,
            "UPDATE platform.tenant_keys SET rotation_completed_at = $3 WHERE tenant_id = $1 AND version = $2 AND rotation_completed_at IS NULL",
            cancellationToken, tenantId, version, time.GetUtcNow());
        if (updated == 0)
        {
            return false;
        }
        await AuditAsync(AuditEventTypes.TenantKeyRotationCompleted, PlatformActor, tenantId, details, cancellationToken);
        return true;
    }

    private async Task<TenantKeyStatus> LoadAsync(string tenantId, CancellationToken cancellationToken)
    {
        await using var connection = await platform.OpenConnectionAsync(cancellationToken);
        return await TenantKeyStore.ReadAsync(connection, null, tenantId, forUpdate: false, cancellationToken)
            ?? new TenantKeyStatus(tenantId, false, null, null, null, null, null, null, null, 0, []);
    }

    /// <summary>
    /// Runs <paramref name="change"/> in a transaction holding the tenant's status row (created if absent); when it says it
    /// changed something, forgets this process's cached keys of the tenant (other processes learn it from the notification).
    /// Answers the status after it.
    /// </summary>
    private async Task<TenantKeyStatus> InTransactionAsync(string tenantId,
        Func<NpgsqlConnection, NpgsqlTransaction, TenantKeyStatus, Task<bool>> change, CancellationToken cancellationToken)
    {
        await using var connection = await platform.OpenConnectionAsync(cancellationToken);
        bool changed;
        await using (var transaction = await connection.BeginTransactionAsync(cancellationToken))
        {
            await ExecuteAsync(connection, transaction,
                "INSERT INTO platform.tenant_key_status (tenant_id) VALUES ($1) ON CONFLICT (tenant_id) DO NOTHING", cancellationToken, tenantId);
            var status = await TenantKeyStore.ReadAsync(connection, transaction, tenantId, forUpdate: true, cancellationToken)
                ?? throw new InvalidOperationException($"The key status of tenant '{tenantId}' cannot be read back.");
            changed = await change(connection, transaction, status);
            await transaction.CommitAsync(cancellationToken);
        }
        if (changed)
        {
            keyring.Invalidate(tenantId);
        }
        return await TenantKeyStore.ReadAsync(connection, null, tenantId, forUpdate: false, cancellationToken)
            ?? throw new InvalidOperationException($"The key status of tenant '{tenantId}' cannot be read back.");
    }

    private async Task InsertVersionAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string tenantId, int version, string actor,
        CancellationToken cancellationToken)
    {
        await ExecuteAsync(connection, transaction,
            "INSERT INTO platform.tenant_keys (tenant_id, version, state, provider, created_at, created_by) VALUES ($1, $2, 'active', $3, $4, $5)",
            cancellationToken, tenantId, version, provider.Name, time.GetUtcNow(), actor);
        await ExecuteAsync(connection, transaction,
            "UPDATE platform.tenant_key_status SET revision = revision + 1 WHERE tenant_id = $1", cancellationToken, tenantId);
    }

    private static async Task<int> ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string sql,
        CancellationToken cancellationToken, params object[] parameters)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(new() { Value = parameter });
        }
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private Task AuditAsync(AuditEventType type, string actor, string tenantId, string details, CancellationToken cancellationToken) =>
        audit.WriteNowAsync(new AuditEvent(type, actor, tenantId, tenantId + "/keys", "success",
            new Dictionary<string, string>(StringComparer.Ordinal) { ["details"] = details }), cancellationToken);
}
