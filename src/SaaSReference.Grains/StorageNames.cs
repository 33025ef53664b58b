namespace SaaSReference.Grains;

/// <summary>Names of the grain storage providers the silo registers.</summary>
public static class StorageNames
{
    /// <summary>The platform's own operating state (tenant catalog grains), apart from tenants' entrusted data (8.1.1a).</summary>
    public const string Platform = "platform";

    /// <summary>
    /// State of tenant-scoped grains (keys starting with the tenant id): stored in that tenant's own schema of its region's
    /// database (8.2.3a), never beside another tenant's state.
    /// </summary>
    public const string Tenant = "tenant";
}
