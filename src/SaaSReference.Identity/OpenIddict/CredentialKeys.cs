using System.Security.Cryptography;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Server;
using SaaSReference.Database.Keys;

namespace SaaSReference.Identity.OpenIddict;

/// <summary>
/// The signing and encryption keys this instance loaded from <c>identity.credential_keys</c> at start. Every
/// identity instance loads the same rows, so a token issued by one is read by the other (9.1.1a, 17.2.1a).
/// </summary>
public sealed class CredentialKeyRing
{
    private volatile Loaded? _loaded;

    public IReadOnlyList<StoredCredentialKey> Signing => Current.Signing;

    public IReadOnlyList<StoredCredentialKey> Encryption => Current.Encryption;

    internal void Set(IReadOnlyList<StoredCredentialKey> signing, IReadOnlyList<StoredCredentialKey> encryption)
    {
        if (signing.Count == 0 || encryption.Count == 0)
        {
            throw new InvalidOperationException("identity.credential_keys holds no live signing or encryption key.");
        }
        _loaded = new Loaded(signing, encryption);
    }

    private Loaded Current => _loaded ?? throw new InvalidOperationException(
        "The credential keys are not loaded yet: OpenIddict was used before the host started (CredentialKeyLoader).");

    private sealed record Loaded(IReadOnlyList<StoredCredentialKey> Signing, IReadOnlyList<StoredCredentialKey> Encryption);
}

/// <summary>
/// Makes sure live keys exist and loads them, when the host starts: after the schema migration (registered
/// before it) and before the server takes requests. Rollover happens at restart: <see cref="SigningKeyStore"/>
/// creates a successor 14 days before a key expires, and an instance picks it up when it next starts, so an
/// instance must be restarted at least every 76 days (any deployment does that); both keys stay in the JWKS
/// meanwhile, so validators know the new key before tokens signed with it arrive.
/// </summary>
public sealed class CredentialKeyLoader(SigningKeyStore store, IDataProtectionProvider dataProtection, TimeProvider time,
    CredentialKeyRing ring) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var protector = SigningKeyStore.CreateProtector(dataProtection);
        await store.EnsureActiveKeysAsync(protector, time, cancellationToken);
        ring.Set(
            await store.LoadPrivateAsync(CredentialKeyUse.Signing, protector, cancellationToken),
            await store.LoadPrivateAsync(CredentialKeyUse.Encryption, protector, cancellationToken));
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

/// <summary>Hands the loaded keys to OpenIddict when its options are first built (after the host started).</summary>
public sealed class ServerCredentialsSetup(CredentialKeyRing ring) : IConfigureOptions<OpenIddictServerOptions>
{
    public void Configure(OpenIddictServerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        // Newest first: a restarted instance signs with the successor key as soon as it exists.
        foreach (var key in ring.Signing)
        {
            options.SigningCredentials.Add(new SigningCredentials(ToSecurityKey(key), SecurityAlgorithms.RsaSha256));
        }
        foreach (var key in ring.Encryption)
        {
            options.EncryptionCredentials.Add(new EncryptingCredentials(ToSecurityKey(key),
                SecurityAlgorithms.RsaOAEP, SecurityAlgorithms.Aes256CbcHmacSha512));
        }
    }

    // The RSA object lives as long as the process: OpenIddict keeps the credentials for its lifetime.
    private static RsaSecurityKey ToSecurityKey(StoredCredentialKey key) => new(RSA.Create(key.Parameters)) { KeyId = key.KeyId };
}
