using System.Globalization;
using System.Security.Claims;
using SaaSReference.Database.Audit;
using SaaSReference.Database.Audit.Export;

namespace SaaSReference.Silo.Audit;

/// <summary>
/// 12.4.2b: the audit trail taken out as signed JSON Lines, per tenant (its administrators for their own tenant,
/// operators, auditors) and per privileged user (operators, auditors), for the recipient to check offline with the
/// platform's public key (<c>audit-verify-export</c>). Each export is recorded, committed before the first byte is sent.
/// </summary>
public static class AuditExportApi
{
    public static IEndpointRouteBuilder MapAuditExportApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/tenants/{tenantId}/audit/export", (string tenantId, HttpContext http, AuditExporter exporter, IAuditTrail trail, TimeProvider time,
                CancellationToken ct) => ExportAsync(tenantId, http, exporter, trail, time, ct))
            .RequireAuthorization(AuditApi.TenantReaders).AddEndpointFilter(NoStore.Filter);
        app.MapGet("/api/audit/export", (HttpContext http, AuditExporter exporter, IAuditTrail trail, TimeProvider time, CancellationToken ct) =>
                ExportAsync(null, http, exporter, trail, time, ct))
            .RequireAuthorization(AuditApi.StaffReaders).AddEndpointFilter(NoStore.Filter);
        // The public keys an export's or a checkpoint's signature is checked with: not secret, but only for signed-in callers.
        app.MapGet("/api/audit/keys", (AuditCheckpointKeys keys) => TypedResults.Ok(new AuditKeysResponse(keys.SigningKeyId,
                keys.SigningPublicKey is { } key ? Convert.ToBase64String(key) : null, [.. keys.TrustedKeyIds.Order(StringComparer.Ordinal)])))
            .RequireAuthorization();
        return app;
    }

    private static async Task<IResult> ExportAsync(string? routeTenant, HttpContext http, AuditExporter exporter, IAuditTrail trail, TimeProvider time,
        CancellationToken cancellationToken)
    {
        var actor = AuditActor.Of(http.User);
        var parameters = http.Request.Query.Select(q => new KeyValuePair<string, string?>(q.Key, q.Value.Count == 1 ? q.Value[0] : null));
        var (header, errors) = AuditExportRequest.Parse(parameters, routeTenant, actor, time.GetUtcNow());
        if (header is null)
        {
            return TypedResults.ValidationProblem(errors, title: "Invalid audit export");
        }
        if (!exporter.CanSign)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "Audit exports cannot be signed",
                detail: "This silo has no audit signing key (Audit:CheckpointSigningKey); an unsigned export would prove nothing.",
                type: AuditProblems.SigningUnavailable);
        }

        await using var selection = await exporter.SelectAsync(header, cancellationToken);
        // 12.4.3a, 9.4.4b: recorded before anything leaves; a tenant admin's export goes into its own tenant's chain.
        var staff = http.User.IsInRole(Security.Roles.Operator) || http.User.IsInRole(Security.Roles.Auditor);
        await trail.WriteNowAsync(new AuditEvent(AuditEventTypes.AuditExported, actor, staff ? null : routeTenant, http.Request.Path + http.Request.QueryString,
            "success", new Dictionary<string, string>
            {
                ["scope"] = AuditExportFormat.ScopeText(header.Scope),
                ["subject"] = header.Subject,
                ["records"] = selection.Records.ToString(CultureInfo.InvariantCulture),
                ["from"] = header.From is { } from ? AuditExportFormat.Time(from) : "",
                ["to"] = header.To is { } to ? AuditExportFormat.Time(to) : "",
            }), cancellationToken);

        var name = string.Create(CultureInfo.InvariantCulture,
            $"audit-{AuditExportFormat.ScopeText(header.Scope)}-{FileNamePart(header.Subject)}-{header.ExportedAt:yyyyMMddTHHmmssZ}.jsonl");
        http.Response.ContentType = AuditExportFormat.MediaType;
        http.Response.Headers.ContentDisposition = $"attachment; filename=\"{name}\"";
        http.Response.Headers["X-Audit-Records"] = selection.Records.ToString(CultureInfo.InvariantCulture);
        // A failure from here on truncates the body: the missing signature line makes the verifier reject it.
        await exporter.WriteAsync(selection, http.Response.Body, cancellationToken);
        return TypedResults.Empty;
    }

    private static string FileNamePart(string subject) =>
        new([.. subject.Take(64).Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_')]);
}

public sealed record AuditKeysResponse(string? SigningKeyId, string? SigningPublicKey, IReadOnlyList<string> TrustedKeyIds);

public static class AuditProblems
{
    public const string SigningUnavailable = "https://saasreference.local/problems/audit-signing-unavailable";
}
