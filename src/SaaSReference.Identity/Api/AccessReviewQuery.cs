using System.Buffers.Text;
using System.Globalization;
using System.Text;
using System.Text.Json;
using SaaSReference.Identity.Data;

namespace SaaSReference.Identity.Api;

/// <summary>
/// The parameters of one access review request (9.4.1c), checked: <see cref="TenantId"/> null is the platform's staff.
/// </summary>
public sealed record AccessReviewQuery(string? TenantId, int StaleAfterDays, int NeverSignedInAfterDays, int Limit, AccessReviewCursor? Cursor,
    string? CursorText)
{
    public const string StaffScope = "staff";
    public const string TenantScope = "tenant";

    public const int DefaultLimit = 100;
    public const int MaxLimit = 500;

    public const string TenantParameter = "tenant";
    public const string ScopeParameter = "scope";
    public const string StaleAfterDaysParameter = "staleAfterDays";
    public const string LimitParameter = "limit";
    public const string CursorParameter = "cursor";

    private static readonly string[] Known = [TenantParameter, ScopeParameter, StaleAfterDaysParameter, LimitParameter, CursorParameter];

    public bool IsStaff => TenantId is null;

    /// <summary><c>tenant:&lt;id&gt;</c> or <c>staff</c>: what was reviewed, in the cursor and the audit record.</summary>
    public string ScopeKey => TenantId is null ? StaffScope : "tenant:" + TenantId;

    /// <summary>
    /// Reads the query string strictly: every parameter known, each at most once (names are case-sensitive), values in
    /// range. Without <c>tenant</c> and <c>scope</c>, <paramref name="defaultTenant"/> (a tenant administrator's own
    /// tenant) is reviewed; staff must name a tenant or <c>scope=staff</c>. Returns the errors by parameter otherwise.
    /// </summary>
    public static (AccessReviewQuery? Query, Dictionary<string, string[]> Errors) Parse(IQueryCollection query, string? defaultTenant,
        AccessReviewOptions options)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(options);
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        foreach (var (key, values) in query)
        {
            if (!Known.Contains(key, StringComparer.Ordinal))
            {
                errors[Clip(key)] = [$"Unknown parameter. Known: {string.Join(", ", Known)}."];
            }
            else if (values.Count != 1)
            {
                errors[key] = ["Give this parameter once."];
            }
        }
        if (errors.Count > 0)
        {
            return (null, errors);
        }

        var scope = Single(query, ScopeParameter) ?? TenantScope;
        var tenant = Single(query, TenantParameter);
        string? tenantId = null;
        if (scope is not (TenantScope or StaffScope))
        {
            errors[ScopeParameter] = ["'tenant' (the default) or 'staff'."];
        }
        else if (scope == StaffScope)
        {
            if (tenant is not null)
            {
                errors[TenantParameter] = ["Not with scope=staff: the platform's staff belong to no tenant."];
            }
        }
        else if (tenant is not null)
        {
            if (TenantIds.IsValid(tenant))
            {
                tenantId = tenant;
            }
            else
            {
                errors[TenantParameter] = ["Not a valid tenant id (3 to 63 lower-case letters, digits and inner hyphens, starting with a letter)."];
            }
        }
        else if (defaultTenant is not null)
        {
            tenantId = defaultTenant;
        }
        else
        {
            errors[TenantParameter] = ["Required: the tenant to review, or scope=staff for the platform's staff."];
        }

        var staleAfterDays = Number(query, StaleAfterDaysParameter, options.StaleAfterDays, AccessReviewFlags.MinDays, AccessReviewFlags.MaxDays, errors);
        var limit = Number(query, LimitParameter, DefaultLimit, 1, MaxLimit, errors);
        var cursorText = Single(query, CursorParameter);
        AccessReviewCursor? cursor = null;
        if (cursorText is not null && errors.Count == 0)
        {
            var scopeKey = tenantId is null ? StaffScope : "tenant:" + tenantId;
            cursor = AccessReviewCursor.Parse(cursorText);
            if (cursor is null)
            {
                errors[CursorParameter] = ["Not a cursor of this report: pass nextCursor of the previous page unchanged."];
            }
            else if (!string.Equals(cursor.Scope, scopeKey, StringComparison.Ordinal))
            {
                errors[CursorParameter] = ["This cursor belongs to the report of another scope."];
            }
        }
        return errors.Count > 0
            ? (null, errors)
            : (new AccessReviewQuery(tenantId, staleAfterDays, options.NeverSignedInAfterDays, limit, cursor, cursorText), errors);
    }

    private static string? Single(IQueryCollection query, string name) => query.TryGetValue(name, out var values) ? values[0] ?? "" : null;

    private static int Number(IQueryCollection query, string name, int fallback, int min, int max, Dictionary<string, string[]> errors)
    {
        if (Single(query, name) is not { } text)
        {
            return fallback;
        }
        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max)
        {
            return value;
        }
        errors[name] = [$"A whole number from {min} to {max}."];
        return fallback;
    }

    /// <summary>An unknown parameter's name as given, but never more than 100 characters of it in the answer.</summary>
    private static string Clip(string key) => key.Length <= 100 ? key : key[..100];
}

/// <summary>
/// Where the next page starts: after the account with this user name and id, in the report of <see cref="Scope"/>.
/// Opaque to clients (base64url of a small JSON object); a position only, it grants nothing.
/// </summary>
public sealed record AccessReviewCursor(string Scope, string UserName, string Id)
{
    private const int MaxLength = 2048;

    public string Encode() => Base64Url.EncodeToString(JsonSerializer.SerializeToUtf8Bytes(new[] { Scope, UserName, Id }));

    public static AccessReviewCursor? Parse(string text)
    {
        if (string.IsNullOrEmpty(text) || text.Length > MaxLength)
        {
            return null;
        }
        try
        {
            var parts = JsonSerializer.Deserialize<string?[]>(Base64Url.DecodeFromChars(text));
            return parts is [{ Length: > 0 } scope, { Length: > 0 } userName, { Length: > 0 } id]
                && Encoding.UTF8.GetByteCount(userName) <= 1024 && id.Length <= 450
                ? new AccessReviewCursor(scope, userName, id)
                : null;
        }
        catch (Exception exception) when (exception is FormatException or JsonException)
        {
            return null;
        }
    }
}
