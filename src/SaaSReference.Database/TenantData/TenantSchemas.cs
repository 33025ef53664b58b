using System.Security.Cryptography;
using System.Text;

namespace SaaSReference.Database.TenantData;

/// <summary>The PostgreSQL schema that holds one tenant's entrusted data in its region's database (8.2.3a).</summary>
public static class TenantSchemas
{
    private const int MaxIdentifierLength = 63;

    /// <summary>
    /// <c>t_</c> and the tenant id with '-' as '_' (tenant ids have no '_', so two ids never meet); an id too long for
    /// a PostgreSQL identifier keeps its first 52 characters and adds 8 hex digits of its SHA-256.
    /// </summary>
    public static string NameOf(string tenantId)
    {
        ArgumentException.ThrowIfNullOrEmpty(tenantId);
        var name = "t_" + tenantId.Replace('-', '_');
        if (name.Length <= MaxIdentifierLength)
        {
            return name;
        }
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(tenantId)))[..8];
        return "t_" + tenantId[..52].Replace('-', '_') + "_" + hash;
    }
}
