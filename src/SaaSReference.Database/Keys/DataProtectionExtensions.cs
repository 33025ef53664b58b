using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.Extensions.DependencyInjection;

namespace SaaSReference.Database.Keys;

public static class DataProtectionExtensions
{
    /// <summary>
    /// Data protection whose key ring lives in PostgreSQL (<see cref="PostgresXmlRepository"/>), shared by every
    /// instance that uses the same database and <paramref name="applicationName"/> (9.1.1a, 17.2.1a). The
    /// schema (<c>0007_identity_keys.sql</c>) must be migrated before the first payload is protected.
    /// </summary>
    /// <remarks>
    /// The key XML is not additionally encrypted at rest here: the database, with its access control and
    /// backups, is the trust boundary for now. Operators can add a certificate with
    /// <c>ProtectKeysWithCertificate</c> on the returned builder; deciding that belongs with the key-management
    /// requirements (10.1.x), later. Until then data protection logs a warning that no XML encryptor is set.
    /// </remarks>
    public static IDataProtectionBuilder AddPlatformDataProtection(this IServiceCollection services, string connectionString, string applicationName)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        ArgumentException.ThrowIfNullOrWhiteSpace(applicationName);
        // The application name, not the content root, isolates payloads: every instance must agree on it.
        var builder = services.AddDataProtection().SetApplicationName(applicationName);
        services.Configure<KeyManagementOptions>(options => options.XmlRepository = new PostgresXmlRepository(connectionString));
        return builder;
    }
}
