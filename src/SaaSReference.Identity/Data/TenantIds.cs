using System.Text.RegularExpressions;

namespace SaaSReference.Identity.Data;

/// <summary>The tenant id format of the platform (the same rule as <c>SaaSReference.Contracts.Tenants.TenantId</c>).</summary>
public static partial class TenantIds
{
    public static bool IsValid(string? value) => value is not null && Pattern().IsMatch(value);

    [GeneratedRegex("^[a-z][a-z0-9-]{1,61}[a-z0-9]$", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();
}
