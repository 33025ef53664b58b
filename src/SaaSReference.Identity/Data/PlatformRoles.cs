namespace SaaSReference.Identity.Data;

/// <summary>Roles of the platform. Platform roles belong to staff (no tenant); tenant roles to a tenant's users.</summary>
public static class PlatformRoles
{
    public const string Operator = "operator";
    public const string Approver = "approver";
    public const string Auditor = "auditor";
    public const string TenantAdmin = "tenant-admin";
    public const string TenantUser = "tenant-user";

    public static readonly IReadOnlyList<string> All = [Operator, Approver, Auditor, TenantAdmin, TenantUser];

    /// <summary>9.2.3a: these roles never receive a token without multi-factor authentication.</summary>
    public static readonly IReadOnlySet<string> Privileged = new HashSet<string>(StringComparer.Ordinal) { Operator, Approver, Auditor, TenantAdmin };

    public static readonly IReadOnlySet<string> PlatformOnly = new HashSet<string>(StringComparer.Ordinal) { Operator, Approver, Auditor };

    /// <summary>
    /// 6.1.2a/c: whoever operates the platform may not also approve operators' changes. Returns why a set of
    /// roles is not allowed for one person (and for a user of the given tenant), or null when it is.
    /// </summary>
    public static string? Conflict(IReadOnlyCollection<string> roles, string? tenantId)
    {
        ArgumentNullException.ThrowIfNull(roles);
        if (roles.Contains(Operator) && roles.Contains(Approver))
        {
            return "One person may not hold both the operator and the approver role (6.1.2a).";
        }
        var platform = roles.Any(PlatformOnly.Contains);
        var tenant = roles.Contains(TenantAdmin) || roles.Contains(TenantUser);
        if (platform && (tenant || tenantId is not null))
        {
            return "Platform roles belong to staff without a tenant; tenant roles to a tenant's users.";
        }
        if (tenant && tenantId is null)
        {
            return "Tenant roles need a tenant.";
        }
        return roles.FirstOrDefault(r => !All.Contains(r)) is { } unknown ? $"Unknown role '{unknown}'." : null;
    }
}
