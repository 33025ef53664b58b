using System.Text;
using SaaSReference.Contracts.Tenants;

namespace SaaSReference.Gateway.Audit;

/// <summary>
/// The path of a refused request as the audit trail keeps it (12.4.1a): never the query string (the request's
/// <c>PathString</c> has none), at most <see cref="MaxSegments"/> segments, the tenant after <c>tenants/</c> replaced
/// by <c>{tenantId}</c> (it goes into a field of its own), and every segment that looks like an id or is not plain
/// text replaced by <c>{id}</c>, so that the templates stay few and carry nothing a caller chose freely.
/// </summary>
public static class RefusalPaths
{
    public const int MaxSegments = 4;
    public const int MaxSegmentLength = 32;
    public const string TenantPlaceholder = "{tenantId}";
    public const string IdPlaceholder = "{id}";

    /// <summary>The template and the tenant named in the path (only a well-formed tenant id, else null).</summary>
    public static (string Template, string? PathTenant) Of(string? path)
    {
        if (string.IsNullOrEmpty(path) || path == "/")
        {
            return ("/", null);
        }
        var builder = new StringBuilder(64);
        string? pathTenant = null;
        var previous = "";
        var segments = 0;
        foreach (var range in path.AsSpan().Split('/'))
        {
            var segment = path[range];
            if (segment.Length == 0)
            {
                continue;
            }
            if (segments == MaxSegments)
            {
                builder.Append("/*");
                break;
            }
            builder.Append('/');
            if (previous.Equals("tenants", StringComparison.OrdinalIgnoreCase))
            {
                pathTenant = TenantId.IsValid(segment) ? segment : null;
                builder.Append(TenantPlaceholder);
            }
            else if (IsPlainWord(segment))
            {
                builder.Append(segment.ToLowerInvariant());
            }
            else
            {
                builder.Append(IdPlaceholder);
            }
            previous = segment;
            segments++;
        }
        return (builder.Length == 0 ? "/" : builder.ToString(), pathTenant);
    }

    /// <summary>A route word: short, letters, dashes, underscores and dots only, starting with a letter.</summary>
    private static bool IsPlainWord(string segment)
    {
        if (segment.Length > MaxSegmentLength || !char.IsAsciiLetter(segment[0]))
        {
            return false;
        }
        foreach (var c in segment)
        {
            if (!char.IsAsciiLetter(c) && c is not ('-' or '_' or '.'))
            {
                return false;
            }
        }
        return true;
    }
}
