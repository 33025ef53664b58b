using Npgsql;

namespace SaaSReference.Identity.Security;

/// <summary>
/// <see cref="ITotpStepStore"/> on <c>identity.totp_last_step</c> (infra/postgres/0006_identity_mfa.sql).
/// </summary>
/// <remarks>
/// One statement does the check and the write: a read followed by an update would let two requests carrying
/// the same code both see the old step and both succeed. INSERT ... ON CONFLICT DO UPDATE locks the conflicting
/// row and evaluates the WHERE against its newest version, so concurrent callers with the same step queue on
/// that row and only the first finds the stored step smaller (9.2.3a, 13.2.2d).
/// </remarks>
public sealed class PostgresTotpStepStore(NpgsqlDataSource dataSource) : ITotpStepStore
{
    private const string ConsumeSql = """
        INSERT INTO identity.totp_last_step AS existing (user_id, step, accepted_at)
        VALUES ($1, $2, now())
        ON CONFLICT (user_id) DO UPDATE
            SET step = EXCLUDED.step, accepted_at = EXCLUDED.accepted_at
            WHERE existing.step < EXCLUDED.step
        RETURNING step
        """;

    private const string ResetSql = "DELETE FROM identity.totp_last_step WHERE user_id = $1";

    /// <inheritdoc />
    public async Task<bool> TryConsumeAsync(string userId, long step, CancellationToken ct)
    {
        ArgumentException.ThrowIfNullOrEmpty(userId);
        ArgumentOutOfRangeException.ThrowIfNegative(step);
        await using var command = dataSource.CreateCommand(ConsumeSql);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = userId });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = step });
        // A row comes back only when the insert or the guarded update took place.
        return await command.ExecuteScalarAsync(ct) is not null;
    }

    /// <inheritdoc />
    public async Task ResetAsync(string userId, CancellationToken ct)
    {
        ArgumentException.ThrowIfNullOrEmpty(userId);
        await using var command = dataSource.CreateCommand(ResetSql);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = userId });
        await command.ExecuteNonQueryAsync(ct);
    }
}
