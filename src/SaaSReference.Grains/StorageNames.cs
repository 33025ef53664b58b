namespace SaaSReference.Grains;

/// <summary>Names of the grain storage providers the silo registers.</summary>
public static class StorageNames
{
    /// <summary>The platform's own operating state (tenant catalog grains), apart from tenants' entrusted data (8.1.1a).</summary>
    public const string Platform = "platform";
}
