using System.Security.Cryptography;
using Microsoft.AspNetCore.DataProtection;
using Npgsql;
using NpgsqlTypes;

namespace SaaSReference.Database.Keys;

/// <summary>
/// The identity service's token signing and encryption keys in <c>identity.credential_keys</c>, shared by
/// every identity instance (9.1.1a, 17.2.1a) and read by the silo's token validation (13.2.2c).
/// Private keys are stored only as data-protection payloads.
/// </summary>
public sealed class SigningKeyStore(NpgsqlDataSource dataSource)
{
    /// <summary>The data-protection purpose the caller's protector must be created with.</summary>
    public const string ProtectorPurpose = "SaaSReference.CredentialKeys";
    public const string SigningAlgorithm = "RS256";
    public const string EncryptionAlgorithm = "RSA-OAEP";
    public const int KeySizeBits = 2048;

    /// <summary>How long a key is used for.</summary>
    public static readonly TimeSpan KeyLifetime = TimeSpan.FromDays(90);

    /// <summary>
    /// How long before its predecessor expires a successor is created: both are live meanwhile, so validators
    /// and instances that restart in that window see the new key before the old one goes away.
    /// </summary>
    public static readonly TimeSpan RolloverLead = TimeSpan.FromDays(14);

    // Serialises key creation across identity instances ("SAASKEYS" in ASCII).
    private const long CreationLockKey = 0x5341_4153_4B45_5953;

    /// <summary>The protector for <see cref="ProtectorPurpose"/>.</summary>
    public static IDataProtector CreateProtector(IDataProtectionProvider provider) => provider.CreateProtector(ProtectorPurpose);

    /// <summary>
    /// Makes sure a signing and an encryption key exist that stay valid for more than <see cref="RolloverLead"/>,
    /// creating at most one of each. Safe to call from several instances at once. Call it at start, before anything
    /// else uses data protection: the first protect then happens under the lock, so instances starting together on
    /// an empty database also share one data-protection key instead of making one each.
    /// </summary>
    public async Task EnsureActiveKeysAsync(IDataProtector protector, TimeProvider time, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(protector);
        ArgumentNullException.ThrowIfNull(time);
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        // Transaction-scoped, so a pooled connection never carries the lock to its next user.
        await using (var lockCommand = new NpgsqlCommand("SELECT pg_advisory_xact_lock($1)", connection, transaction))
        {
            lockCommand.Parameters.Add(new() { Value = CreationLockKey });
            await lockCommand.ExecuteNonQueryAsync(ct);
        }

        var now = time.GetUtcNow();
        foreach (var (use, algorithm) in new[] { (CredentialKeyUse.Signing, SigningAlgorithm), (CredentialKeyUse.Encryption, EncryptionAlgorithm) })
        {
            await using var check = new NpgsqlCommand(
                "SELECT EXISTS (SELECT 1 FROM identity.credential_keys WHERE use = $1 AND retired_at IS NULL AND expires_at > $2)",
                connection, transaction);
            check.Parameters.Add(new() { Value = use });
            check.Parameters.Add(new() { Value = now + RolloverLead });
            if (await check.ExecuteScalarAsync(ct) is not true)
            {
                await InsertNewKeyAsync(connection, transaction, use, algorithm, protector, now, ct);
            }
        }
        await transaction.CommitAsync(ct);
    }

    /// <summary>Live (not retired, not expired) keys of <paramref name="use"/> with their private keys, newest first.</summary>
    /// <exception cref="CryptographicException">A private key cannot be unprotected (the data-protection key ring is not shared).</exception>
    public async Task<IReadOnlyList<StoredCredentialKey>> LoadPrivateAsync(string use, IDataProtector protector, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(protector);
        await using var command = dataSource.CreateCommand(
            $"SELECT kid, use, algorithm, private_key_protected, activates_at, expires_at FROM identity.credential_keys {LiveKeys}");
        command.Parameters.Add(new() { Value = use });
        var keys = new List<StoredCredentialKey>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var (kid, keyUse) = (reader.GetString(0), reader.GetString(1));
            keys.Add(new StoredCredentialKey(kid, keyUse, reader.GetString(2), ProtectedRsaKey.Unprotect(protector, keyUse, kid, reader.GetString(3)),
                reader.GetFieldValue<DateTimeOffset>(4), reader.GetFieldValue<DateTimeOffset>(5)));
        }
        return keys;
    }

    /// <summary>The public halves of the live signing keys, newest first: everything a token validator needs.</summary>
    public async Task<IReadOnlyList<PublicSigningKey>> LoadPublicSigningKeysAsync(CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand(
            $"SELECT kid, algorithm, public_jwk::text, expires_at FROM identity.credential_keys {LiveKeys}");
        command.Parameters.Add(new() { Value = CredentialKeyUse.Signing });
        var keys = new List<PublicSigningKey>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            keys.Add(new PublicSigningKey(reader.GetString(0), reader.GetString(1), RsaJwk.ParsePublic(reader.GetString(2)),
                reader.GetFieldValue<DateTimeOffset>(3)));
        }
        return keys;
    }

    // Expiry is judged by the database's clock: the one clock every instance shares.
    private const string LiveKeys =
        "WHERE use = $1 AND retired_at IS NULL AND expires_at > now() ORDER BY activates_at DESC, created_at DESC, kid";

    private static async Task InsertNewKeyAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string use,
        string algorithm, IDataProtector protector, DateTimeOffset now, CancellationToken ct)
    {
        var key = ProtectedRsaKey.Generate(use, algorithm, KeySizeBits, protector);
        await using var insert = new NpgsqlCommand(
            """
            INSERT INTO identity.credential_keys (kid, use, algorithm, public_jwk, private_key_protected, created_at, activates_at, expires_at)
            VALUES ($1, $2, $3, $4, $5, $6, $6, $7)
            """, connection, transaction);
        insert.Parameters.Add(new() { Value = key.KeyId });
        insert.Parameters.Add(new() { Value = use });
        insert.Parameters.Add(new() { Value = algorithm });
        insert.Parameters.Add(new() { NpgsqlDbType = NpgsqlDbType.Jsonb, Value = (object?)key.PublicJwk ?? DBNull.Value });
        insert.Parameters.Add(new() { Value = key.PrivateKeyProtected });
        insert.Parameters.Add(new() { Value = now });
        insert.Parameters.Add(new() { Value = now + KeyLifetime });
        await insert.ExecuteNonQueryAsync(ct);
    }
}
