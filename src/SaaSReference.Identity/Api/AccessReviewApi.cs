using System.Globalization;
using Microsoft.Extensions.Options;
using OpenIddict.Abstractions;
using OpenIddict.Validation.AspNetCore;
using SaaSReference.Database.Audit;
using SaaSReference.Identity.Data;
using SaaSReference.Identity.OpenIddict;
using SaaSReference.ServiceDefaults.Http;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace SaaSReference.Identity.Api;

/// <summary>
/// 9.4.1c: <c>GET /api/access-review</c>, the regular review of users' access rights: per tenant (or for the platform's
/// staff) every account with its roles, MFA state, last sign-in and lockout, flagged (<see cref="AccessReviewFlags"/>)
/// for the accounts to remove or fix (9.2.x). Operators and auditors review any tenant and the staff; a tenant
/// administrator only its own tenant (from its validated token). 12.4.3a, 9.4.4b: every report is an
/// <c>audit.access-reviewed</c> record, committed before the answer is sent: no report leaves without its record.
/// </summary>
public static class AccessReviewApi
{
    public const string PolicyName = "access-review";
    public const string Path = "/api/access-review";

    public const string ProblemBase = "https://saasreference.local/problems/";
    public const string InvalidQueryProblem = ProblemBase + "invalid-query";
    public const string ForbiddenProblem = ProblemBase + "forbidden";

    public static IServiceCollection AddAccessReviewApi(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<AccessReviewOptions>().Bind(configuration.GetSection(AccessReviewOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddScoped<AccessReviewReports>();
        services.AddAuthorizationBuilder().AddPolicy(PolicyName, policy => policy
            .AddAuthenticationSchemes(OpenIddictValidationAspNetCoreDefaults.AuthenticationScheme)
            .RequireAuthenticatedUser()
            .RequireClaim(Claims.Role, PlatformRoles.Operator, PlatformRoles.Auditor, PlatformRoles.TenantAdmin));
        return services;
    }

    public static RouteHandlerBuilder MapAccessReviewApi(this IEndpointRouteBuilder endpoints) =>
        endpoints.MapGet(Path, ReviewAsync)
            .RequireAuthorization(PolicyName)
            // 6.2.1c: who holds which rights in a tenant is not for any cache.
            .AddEndpointFilter(NoStore.Filter);

    private static async Task<IResult> ReviewAsync(HttpContext http, AccessReviewReports reports, IAuditTrail trail,
        IOptions<AccessReviewOptions> options)
    {
        var caller = AccessReviewer.From(http.User);
        var (query, errors) = AccessReviewQuery.Parse(http.Request.Query, caller.IsStaff ? null : caller.TenantId, options.Value);
        if (query is null)
        {
            return TypedResults.ValidationProblem(errors, type: InvalidQueryProblem, title: "Invalid access review request",
                detail: "Check the parameters " + string.Join(", ", errors.Keys) + ".");
        }
        if (!caller.May(query))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, type: ForbiddenProblem, title: "Not allowed",
                detail: "A tenant administrator may review only the accounts of its own tenant.");
        }

        var report = await reports.ReadAsync(query, http.RequestAborted);
        var fields = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["scope"] = query.ScopeKey,
            ["users"] = Text(report.Summary.Users),
            ["flagged"] = Text(report.Summary.Flagged),
            ["returned"] = Text(report.Users.Count),
            ["staleAfterDays"] = Text(query.StaleAfterDays),
            ["neverSignedInAfterDays"] = Text(query.NeverSignedInAfterDays),
            ["limit"] = Text(query.Limit),
            ["page"] = query.Cursor is null ? "first" : "next",
            ["reviewer"] = caller.Role,
        };
        if (query.TenantId is { } tenant)
        {
            fields["tenant"] = tenant;
        }
        // A tenant administrator's review goes into its tenant's chain; staff reviews into the platform's, with the
        // reviewed tenant in `tenant` (12.4.2b: a tenant reads its own chain, not what staff looked at).
        await trail.WriteNowAsync(new AuditEvent(AuditEventTypes.AccessReviewed, caller.UserId, caller.IsStaff ? null : query.TenantId,
            query.ScopeKey, "success", fields, report.GeneratedAt), http.RequestAborted);
        return TypedResults.Ok(report);
    }

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);
}

/// <summary>Who asks for an access review, from the validated token only (conventions 5).</summary>
public sealed record AccessReviewer(string UserId, bool IsStaff, bool IsTenantAdmin, string? TenantId, string Role)
{
    public static AccessReviewer From(System.Security.Claims.ClaimsPrincipal principal)
    {
        ArgumentNullException.ThrowIfNull(principal);
        var roles = principal.GetClaims(Claims.Role);
        var role = roles.Contains(PlatformRoles.Operator) ? PlatformRoles.Operator
            : roles.Contains(PlatformRoles.Auditor) ? PlatformRoles.Auditor
            : roles.Contains(PlatformRoles.TenantAdmin) ? PlatformRoles.TenantAdmin
            : "";
        var tenant = principal.GetClaim(PlatformScopes.TenantIdClaim);
        // Staff have no tenant; a token with a staff role and a tenant is not staff (PlatformRoles.Conflict forbids it).
        var staff = tenant is null && role is PlatformRoles.Operator or PlatformRoles.Auditor;
        return new AccessReviewer(principal.GetClaim(Claims.Subject) ?? "", staff, roles.Contains(PlatformRoles.TenantAdmin), tenant, role);
    }

    /// <summary>Staff any scope; a tenant administrator its own tenant only. A caller without a subject may not: the record names its reviewer.</summary>
    public bool May(AccessReviewQuery query)
    {
        ArgumentNullException.ThrowIfNull(query);
        return UserId.Length > 0 && (IsStaff
            || (IsTenantAdmin && TenantId is not null && string.Equals(query.TenantId, TenantId, StringComparison.Ordinal)));
    }
}
