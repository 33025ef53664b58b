using Microsoft.AspNetCore.Http;

namespace SaaSReference.Database.Quotas;

/// <summary>
/// What the members of a frozen or terminated tenant may still do, the one rule for the gateway and the silos (12.1.3c,
/// 8.1.5a/d). A frozen tenant: read its own status and usage, export its data (8.1.5a: it can always take its data away),
/// and request, read or cancel its termination. A terminated tenant: read its status, usage and termination record only;
/// its data is gone. Everything else under <c>/api</c> is refused. Anything that does not match exactly (another tenant,
/// an extra or empty segment, an encoded slash) is refused: the list only ever lets through what it names.
/// </summary>
public static class FrozenTenantAccess
{
    private const string TenantsPrefix = "/api/tenants/";

    public static bool Allows(string method, PathString path, string tenantId, bool terminated = false)
    {
        ArgumentNullException.ThrowIfNull(method);
        ArgumentException.ThrowIfNullOrEmpty(tenantId);
        var value = path.Value ?? "";
        if (!value.StartsWith(TenantsPrefix, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        var segments = value[TenantsPrefix.Length..].Split('/');
        // The tenant id is compared exactly, as the silo's tenant check does; only its own tenant.
        if (!string.Equals(segments[0], tenantId, StringComparison.Ordinal))
        {
            return false;
        }
        // A trailing slash is the same route to the destination's router.
        if (segments.Length > 1 && segments[^1].Length == 0)
        {
            segments = segments[..^1];
        }

        var read = HttpMethods.IsGet(method) || HttpMethods.IsHead(method);
        if (terminated)
        {
            return read && (segments.Length == 1 || (segments.Length == 2 && (Is(segments[1], "usage") || Is(segments[1], "termination"))));
        }
        return segments.Length switch
        {
            // GET /api/tenants/{own}: status and plan.
            1 => read,
            // GET /api/tenants/{own}/usage.
            2 when Is(segments[1], "usage") => read,
            // /api/tenants/{own}/termination: request (POST), read (GET), cancel (DELETE) the tenant's termination.
            2 when Is(segments[1], "termination") => read || HttpMethods.IsPost(method) || HttpMethods.IsDelete(method),
            // /api/tenants/{own}/export and below: start an export (POST), follow and download it (GET).
            >= 2 when Is(segments[1], "export") => (read || HttpMethods.IsPost(method)) && segments.Skip(2).All(s => s.Length > 0),
            _ => false,
        };
    }

    private static bool Is(string segment, string literal) => string.Equals(segment, literal, StringComparison.OrdinalIgnoreCase);
}
