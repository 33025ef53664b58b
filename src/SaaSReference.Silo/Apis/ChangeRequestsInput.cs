using System.Text.Json;
using SaaSReference.Contracts.Tenants;
using SaaSReference.Database.Quotas;

namespace SaaSReference.Silo.Apis;

/// <summary>A well-formed change request, before the platform's state is consulted (<see cref="ChangeRequestsPreflight"/>).</summary>
public sealed record ChangeRequestInput(ChangeRequestKind Kind, string? TenantId, string Reason, ChangeRequestPayload Payload);

/// <summary>
/// The form of a change request and of a decision: kind, tenant id, reason, a payload with exactly the members of
/// its kind, notes. Every error names its field.
/// </summary>
public static class ChangeRequestsInput
{
    public const int MaxTextLength = 500;

    private static readonly JsonElement EmptyObject = JsonSerializer.SerializeToElement(new { });

    public static (ChangeRequestInput? Input, Dictionary<string, string[]> Errors) Parse(CreateChangeRequestBody body)
    {
        ArgumentNullException.ThrowIfNull(body);
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var known = ChangeRequestText.TryParseKind(body.Kind, out var kind);
        if (!known)
        {
            errors["kind"] = [body.Kind is null
                ? $"The kind is required: one of {string.Join(", ", ChangeRequestText.KindNames)}."
                : $"Unknown kind; the kinds are {string.Join(", ", ChangeRequestText.KindNames)}."];
        }
        if (Text(body.Reason, "reason", required: true, errors) is not { } reason)
        {
            reason = "";
        }
        if (body.TenantId is not null && !TenantId.IsValid(body.TenantId))
        {
            errors["tenantId"] = [$"A tenant id has {TenantId.Describe()}"];
        }
        else if (known && ChangeRequestText.IsTenantKind(kind) && body.TenantId is null)
        {
            errors["tenantId"] = [$"A {ChangeRequestText.Of(kind)} request names the tenant."];
        }
        else if (known && !ChangeRequestText.IsTenantKind(kind) && body.TenantId is not null)
        {
            errors["tenantId"] = ["A configuration request names no tenant; remove tenantId."];
        }
        var payload = known ? ParsePayload(kind, body.Payload, errors) : null;
        return errors.Count > 0 || payload is null ? (null, errors) : (new ChangeRequestInput(kind, body.TenantId, reason, payload), errors);
    }

    /// <summary>A note or reason: trimmed, 1 to 500 characters, no control characters but line breaks and tabs.</summary>
    public static string? Text(string? value, string field, bool required, Dictionary<string, string[]> errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        var text = value?.Trim();
        if (string.IsNullOrEmpty(text))
        {
            if (required || value is not null)
            {
                errors[field] = [$"The {field} is required: 1 to {MaxTextLength} characters."];
            }
            return null;
        }
        if (text.Length > MaxTextLength || text.Any(c => char.IsControl(c) && c is not ('\n' or '\r' or '\t')))
        {
            errors[field] = [$"The {field} may have at most {MaxTextLength} characters and no control characters."];
            return null;
        }
        return text;
    }

    private static ChangeRequestPayload? ParsePayload(ChangeRequestKind kind, JsonElement? element, Dictionary<string, string[]> errors)
    {
        var json = element is { ValueKind: not JsonValueKind.Null } present ? present : EmptyObject;
        if (json.ValueKind != JsonValueKind.Object)
        {
            errors["payload"] = ["The payload must be a JSON object."];
            return null;
        }
        try
        {
            return kind switch
            {
                ChangeRequestKind.Unfreeze => Read<UnfreezePayload>(json) is null ? null : ChangeRequestPayload.Empty,
                ChangeRequestKind.PlanChange => new ChangeRequestPayload(Plan: Read<PlanChangePayload>(json)?.Plan),
                ChangeRequestKind.QuotaOverride => new ChangeRequestPayload(Overrides: Read<QuotaOverridePayload>(json)?.Overrides),
                ChangeRequestKind.ConfigurationChange => new ChangeRequestPayload(Settings: Read<ConfigurationChangePayload>(json)?.Settings),
                ChangeRequestKind.ConfigurationRollback => new ChangeRequestPayload(Version: Read<ConfigurationRollbackPayload>(json)?.Version),
                // 12.3.1: {"backupId": "<uuid>"} and nothing else.
                ChangeRequestKind.TenantRestore => new ChangeRequestPayload(BackupId: Read<TenantRestorePayload>(json)?.BackupId),
                // 8.1.5d: made only by the tenant's admin, with its typed confirmation and grace period; approved here.
                ChangeRequestKind.TenantTermination => Refuse(errors, "kind",
                    "A tenant-termination is requested by the tenant's admin with POST /api/tenants/{tenantId}/termination; approve that request here."),
                _ => null,
            };
        }
        catch (JsonException exception)
        {
            errors["payload"] = [JsonErrorText.Describe(exception).Message];
            return null;
        }
    }

    private static T? Read<T>(JsonElement json) where T : class => json.Deserialize<T>(StrictJson.Options);

    private static ChangeRequestPayload? Refuse(Dictionary<string, string[]> errors, string field, string message)
    {
        errors[field] = [message];
        return null;
    }
}
