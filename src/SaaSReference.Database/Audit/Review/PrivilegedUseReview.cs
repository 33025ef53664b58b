using System.Globalization;
using Microsoft.Extensions.Options;
using Npgsql;

namespace SaaSReference.Database.Audit.Review;

/// <summary>The privileged acts of one person in the period, by event type.</summary>
public sealed record PrivilegedActs(string Actor, long Total, long OutsideBusinessHours, IReadOnlyDictionary<string, long> ByType,
    DateTimeOffset First, DateTimeOffset Last);

/// <summary>
/// One thing a reviewer should look at: what (<see cref="Kind"/>), whose, how many, when, and where in the trail
/// (<see cref="Evidence"/>: up to ten records as <c>chain#seq</c>, oldest first, to read with the audit query API).
/// </summary>
public sealed record ReviewFinding(string Kind, string Severity, string Actor, long Count, long Tenants, DateTimeOffset First, DateTimeOffset Last,
    string Rule, IReadOnlyList<string> Evidence);

public sealed record PrivilegedUseReport(
    DateTimeOffset From,
    DateTimeOffset To,
    DateTimeOffset GeneratedAt,
    string GeneratedBy,
    string TimeZone,
    string BusinessHours,
    IReadOnlyList<PrivilegedActs> PrivilegedActs,
    IReadOnlyList<ReviewFinding> Findings);

/// <summary>
/// 12.4.3d, 9.4.4b: the periodic review of privileged use, computed from the audit trail in the database (aggregates,
/// never the whole period's records in memory). Lists every person's privileged acts by type and flags what a reviewer
/// must look at: refused self-approvals, mass exports, privileged acts outside business hours, repeated denials at the
/// gateway, repeated failed sign-ins, lockouts and repeated refused change requests. The thresholds are
/// <see cref="PrivilegedUseReviewOptions"/>.
/// </summary>
public sealed class PrivilegedUseReview(NpgsqlDataSource dataSource, IOptions<PrivilegedUseReviewOptions> options)
{
    /// <summary>The problem type of a refused self-approval (the change request workflow answers with it, 6.1.2a).</summary>
    public const string SelfApprovalProblem = "https://saasreference.local/problems/self-approval";

    public static readonly TimeSpan MaxRange = TimeSpan.FromDays(92);

    private const int EvidencePerFinding = 10;

    /// <summary>
    /// Actors that are the platform itself (timers and reminders, the daily backup pass, the abuse policy) or an
    /// unauthenticated caller, not a person: their acts are not a person's privileged use, and a backup at 03:00 is not
    /// "at unusual hours".
    /// </summary>
    private const string Person =
        "actor NOT IN ('system', 'platform', 'anonymous', 'unknown', '" + TenantData.Backups.TenantBackupScheduler.Actor + "', 'abuse-policy')"
        + " AND actor NOT LIKE 'client:%' AND actor NOT LIKE 'tenant:%' AND actor NOT LIKE 'gateway:%'";

    private const string OutsideHours =
        "((@weekends AND extract(isodow FROM at AT TIME ZONE @tz) > 5) OR extract(hour FROM at AT TIME ZONE @tz) < @start OR extract(hour FROM at AT TIME ZONE @tz) >= @end)";

    private static readonly string[] ExportTypes =
        [AuditEventTypes.TenantDataExported.Name, AuditEventTypes.TenantEvidenceExported.Name, AuditEventTypes.AuditExported.Name];

    private static string[] PrivilegedTypes => [.. AuditEventTypes.All.Where(type => type.Privileged).Select(type => type.Name)];

    private sealed record Rule(string Kind, AuditSeverity Severity, string Predicate, string Measure, Func<PrivilegedUseReviewOptions, int> Threshold,
        Func<PrivilegedUseReviewOptions, int>? TenantThreshold, Func<PrivilegedUseReviewOptions, string> Describe);

    private static readonly Rule[] Rules =
    [
        new("self-approval-refused", AuditSeverity.Warning, "type = 'change-request.refused' AND fields->>'problem' = @self_approval", "1", _ => 1, null,
            _ => "a person tried to approve their own change request (four-eyes, 6.1.2a)"),
        new("mass-export", AuditSeverity.Warning, "type = ANY(@export_types) AND outcome IN ('started', 'success')", "1", o => o.MassExportCount,
            o => o.MassExportTenants, o => $"at least {o.MassExportCount} exports, or exports of at least {o.MassExportTenants} tenants, in the period"),
        new("unusual-hours", AuditSeverity.Notice, $"type = ANY(@privileged_types) AND {Person} AND {OutsideHours}", "1", _ => 1, null,
            o => $"privileged acts outside {o.BusinessHoursStart:00}:00-{o.BusinessHoursEnd:00}:00 {o.TimeZone}{(o.WeekendsAreUnusual ? " or at a weekend" : "")}"),
        new("repeated-denials", AuditSeverity.Warning, "type IN ('gateway.request-denied', 'gateway.frozen-refused')",
            "CASE WHEN fields->>'count' ~ '^[0-9]{1,9}$' THEN (fields->>'count')::bigint ELSE 1 END", o => o.RepeatedDenials, null,
            o => $"at least {o.RepeatedDenials} requests refused at the gateway (401, 403, 429, frozen) for one caller"),
        new("repeated-sign-in-failures", AuditSeverity.Warning, "type IN ('identity.sign-in.failed', 'identity.mfa.failed')", "1",
            o => o.RepeatedSignInFailures, null, o => $"at least {o.RepeatedSignInFailures} failed sign-ins or second factors of one account"),
        new("lockout", AuditSeverity.Warning, "type = 'identity.account.locked-out'", "1", _ => 1, null, _ => "an account was locked out"),
        new("repeated-change-refusals", AuditSeverity.Notice,
            "type = 'change-request.refused' AND coalesce(fields->>'problem', '') <> @self_approval", "1", o => o.RepeatedChangeRefusals, null,
            o => $"at least {o.RepeatedChangeRefusals} change requests or decisions of one person refused"),
    ];

    public async Task<PrivilegedUseReport> ReviewAsync(DateTimeOffset from, DateTimeOffset to, string generatedBy, DateTimeOffset now,
        CancellationToken cancellationToken = default)
    {
        if (from >= to || to - from > MaxRange)
        {
            throw new ArgumentOutOfRangeException(nameof(to), $"The period must be non-empty and at most {MaxRange.TotalDays:0} days.");
        }
        var settings = options.Value;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        // One snapshot for every part of the report.
        await using var transaction = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, cancellationToken);
        var acts = await PrivilegedActsAsync(connection, transaction, from, to, settings, cancellationToken);
        var findings = new List<ReviewFinding>();
        foreach (var rule in Rules)
        {
            findings.AddRange(await FindAsync(connection, transaction, rule, from, to, settings, cancellationToken));
        }
        return new PrivilegedUseReport(from, to, now, generatedBy, settings.TimeZone,
            $"{settings.BusinessHoursStart:00}:00-{settings.BusinessHoursEnd:00}:00{(settings.WeekendsAreUnusual ? ", Monday to Friday" : "")}", acts,
            [.. findings.OrderByDescending(f => f.Severity == "warning").ThenBy(f => f.Kind, StringComparer.Ordinal).ThenBy(f => f.Actor, StringComparer.Ordinal)]);
    }

    private static async Task<IReadOnlyList<PrivilegedActs>> PrivilegedActsAsync(NpgsqlConnection connection, NpgsqlTransaction transaction,
        DateTimeOffset from, DateTimeOffset to, PrivilegedUseReviewOptions settings, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            $"""
            SELECT actor, type, count(*), count(*) FILTER (WHERE {OutsideHours}), min(at), max(at)
              FROM platform.audit_events
             WHERE at >= @from AND at < @to AND type = ANY(@privileged_types) AND {Person}
             GROUP BY actor, type
             ORDER BY actor, type
            """, connection, transaction);
        AddParameters(command, from, to, settings);
        var rows = new List<(string Actor, string Type, long Count, long Outside, DateTimeOffset First, DateTimeOffset Last)>();
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                rows.Add((reader.GetString(0), reader.GetString(1), reader.GetInt64(2), reader.GetInt64(3), Utc(reader.GetDateTime(4)), Utc(reader.GetDateTime(5))));
            }
        }
        return [.. rows.GroupBy(r => r.Actor, StringComparer.Ordinal).Select(g => new PrivilegedActs(g.Key, g.Sum(r => r.Count), g.Sum(r => r.Outside),
            g.ToDictionary(r => r.Type, r => r.Count, StringComparer.Ordinal), g.Min(r => r.First), g.Max(r => r.Last)))];
    }

    private static async Task<IReadOnlyList<ReviewFinding>> FindAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Rule rule,
        DateTimeOffset from, DateTimeOffset to, PrivilegedUseReviewOptions settings, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            $"""
            SELECT actor, sum({rule.Measure})::bigint AS n, count(DISTINCT coalesce(tenant_id, fields->>'subject')), min(at), max(at),
                   (array_agg(chain || '#' || seq ORDER BY at, chain, seq))[1:{EvidencePerFinding}]
              FROM platform.audit_events
             WHERE at >= @from AND at < @to AND ({rule.Predicate})
             GROUP BY actor
            HAVING sum({rule.Measure}) >= @threshold OR count(DISTINCT coalesce(tenant_id, fields->>'subject')) >= @tenant_threshold
             ORDER BY actor
            """, connection, transaction);
        AddParameters(command, from, to, settings);
        command.Parameters.AddWithValue("threshold", (long)rule.Threshold(settings));
        command.Parameters.AddWithValue("tenant_threshold", (long)(rule.TenantThreshold?.Invoke(settings) ?? int.MaxValue));
        var findings = new List<ReviewFinding>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            findings.Add(new ReviewFinding(rule.Kind, AuditEventType.Text(rule.Severity), reader.GetString(0), reader.GetInt64(1), reader.GetInt64(2),
                Utc(reader.GetDateTime(3)), Utc(reader.GetDateTime(4)), rule.Describe(settings), reader.GetFieldValue<string[]>(5)));
        }
        return findings;
    }

    private static void AddParameters(NpgsqlCommand command, DateTimeOffset from, DateTimeOffset to, PrivilegedUseReviewOptions settings)
    {
        command.Parameters.AddWithValue("from", from.UtcDateTime);
        command.Parameters.AddWithValue("to", to.UtcDateTime);
        command.Parameters.AddWithValue("tz", settings.TimeZone);
        command.Parameters.AddWithValue("weekends", settings.WeekendsAreUnusual);
        command.Parameters.AddWithValue("start", (double)settings.BusinessHoursStart);
        command.Parameters.AddWithValue("end", (double)settings.BusinessHoursEnd);
        command.Parameters.AddWithValue("privileged_types", PrivilegedTypes);
        command.Parameters.AddWithValue("export_types", ExportTypes);
        command.Parameters.AddWithValue("self_approval", SelfApprovalProblem);
    }

    private static DateTimeOffset Utc(DateTime value) => new(DateTime.SpecifyKind(value, DateTimeKind.Utc));

    /// <summary>Parses a review's query string: <c>from</c>, <c>to</c> (ISO 8601; default the last 31 days; at most <see cref="MaxRange"/>).</summary>
    public static (DateTimeOffset From, DateTimeOffset To, Dictionary<string, string[]> Errors) ParsePeriod(
        IEnumerable<KeyValuePair<string, string?>> parameters, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in parameters)
        {
            if (key is not ("from" or "to"))
            {
                errors[key] = [$"Unknown parameter '{key}'. Known: from, to."];
            }
            else if (value is null || !values.TryAdd(key, value))
            {
                errors[key] = ["Give this parameter once."];
            }
        }
        var to = AuditQueryParser.Time(values, "to", errors) ?? now;
        var from = AuditQueryParser.Time(values, "from", errors) ?? to - TimeSpan.FromDays(31);
        if (from >= to)
        {
            errors["from"] = ["'from' must be before 'to'."];
        }
        else if (to - from > MaxRange)
        {
            errors["to"] = [string.Create(CultureInfo.InvariantCulture, $"The period may span at most {MaxRange.TotalDays:0} days.")];
        }
        return (from, to, errors);
    }
}
