using Microsoft.Extensions.Options;
using SaaSReference.Database.Audit;
using SaaSReference.Database.Audit.Review;

namespace SaaSReference.Database.Tests.Audit;

/// <summary>
/// 12.4.3d, 9.4.4b: the privileged-use review of a period lists each person's privileged acts and flags refused
/// self-approvals, mass exports, privileged acts at unusual hours (Asia/Tokyo business hours), repeated denials at the
/// gateway, repeated failed sign-ins and lockouts, with evidence that points into the trail. Each test uses a period of
/// its own (a week in 2025), so the tests never see each other's records.
/// </summary>
public sealed class PrivilegedUseReviewTests(AuditDatabase database) : IClassFixture<AuditDatabase>
{
    private PrivilegedUseReview Review(PrivilegedUseReviewOptions? options = null) =>
        new(database.DataSource, Options.Create(options ?? new PrivilegedUseReviewOptions()));

    /// <summary>Monday of the test's own week, 10:00 in Tokyo (01:00 UTC).</summary>
    private static DateTimeOffset Week(int n) => new DateTimeOffset(2025, 1, 6, 1, 0, 0, TimeSpan.Zero).AddDays(7 * n);

    private static Dictionary<string, string> Details(string details = "d") => new() { ["details"] = details };

    private static AuditEvent Privileged(string actor, DateTimeOffset at, string? tenant = "rev-tenant") =>
        new(AuditEventTypes.GrainPrivilegedCall, actor, tenant, "tenant/x", "success",
            new Dictionary<string, string> { ["grain"] = "tenant", ["method"] = "FreezeAsync", ["durationMs"] = "1" }, at);

    private async Task<PrivilegedUseReport> ReviewWeekAsync(int week, PrivilegedUseReviewOptions? options = null) =>
        await Review(options).ReviewAsync(Week(week), Week(week).AddDays(7), "auditor-1", DateTimeOffset.UtcNow);

    [Fact]
    public async Task Review_PrivilegedActsInHours_ListedWithoutFindings()
    {
        await database.Store.AppendAsync([Privileged("op-day", Week(0)), Privileged("op-day", Week(0).AddHours(3)), Privileged("system", Week(0))]);

        var report = await ReviewWeekAsync(0);

        var acts = Assert.Single(report.PrivilegedActs);
        Assert.Equal(("op-day", 2L, 0L), (acts.Actor, acts.Total, acts.OutsideBusinessHours));
        Assert.Equal(2, acts.ByType[AuditEventTypes.GrainPrivilegedCall.Name]);
        Assert.Empty(report.Findings);
        Assert.Equal("Asia/Tokyo", report.TimeZone);
    }

    [Fact]
    public async Task Review_ActsAtNightAndAtTheWeekend_FlaggedUnusualHours()
    {
        // 03:00 Tokyo on Tuesday (18:00 UTC Monday), and Saturday 11:00 Tokyo; the platform's own jobs at night (timers, the
        // daily backup pass, the abuse policy) are not a person.
        await database.Store.AppendAsync(
        [
            Privileged("op-night", Week(1).AddHours(17)), Privileged("op-night", Week(1).AddDays(5)), Privileged("op-night", Week(1).AddHours(2)),
            Privileged("system", Week(1).AddHours(17)), Privileged("platform-backup-schedule", Week(1).AddHours(17)),
            Privileged("abuse-policy", Week(1).AddHours(17)),
        ]);

        var report = await ReviewWeekAsync(1);

        var finding = Assert.Single(report.Findings);
        Assert.Equal(("unusual-hours", "notice", "op-night", 2L), (finding.Kind, finding.Severity, finding.Actor, finding.Count));
        Assert.Equal(2, finding.Evidence.Count);
        Assert.All(finding.Evidence, e => Assert.StartsWith("tenant:rev-tenant#", e, StringComparison.Ordinal));
        var acts = Assert.Single(report.PrivilegedActs);
        Assert.Equal(("op-night", 3L, 2L), (acts.Actor, acts.Total, acts.OutsideBusinessHours));

        // Business hours configured round the clock, weekends allowed: nothing unusual.
        var relaxed = await ReviewWeekAsync(1, new PrivilegedUseReviewOptions { BusinessHoursStart = 0, BusinessHoursEnd = 24, WeekendsAreUnusual = false });
        Assert.Empty(relaxed.Findings);
    }

    [Fact]
    public async Task Review_SelfApprovalRefusedAndRepeatedRefusals_Flagged()
    {
        AuditEvent Refused(string actor, int n, string? problem) => new(AuditEventTypes.Find("change-request.refused")!, actor, null, $"cr-{n}", "refused",
            problem is null
                ? new Dictionary<string, string> { ["requestId"] = $"cr-{n}", ["kind"] = "unfreeze", ["details"] = "stale" }
                : new Dictionary<string, string> { ["requestId"] = $"cr-{n}", ["kind"] = "unfreeze", ["details"] = "self", ["problem"] = problem },
            Week(2).AddHours(n));
        await database.Store.AppendAsync(
        [
            Refused("op-self", 1, PrivilegedUseReview.SelfApprovalProblem),
            .. Enumerable.Range(2, 5).Select(n => Refused("op-pushy", n, null)),
            Refused("op-once", 8, null),
        ]);

        var report = await ReviewWeekAsync(2);

        Assert.Equal(
            [("self-approval-refused", "op-self", 1L), ("repeated-change-refusals", "op-pushy", 5L)],
            report.Findings.Select(f => (f.Kind, f.Actor, f.Count)).OrderByDescending(f => f.Kind).ToList());
    }

    [Fact]
    public async Task Review_ManyExportsOrManyTenants_FlaggedMassExport()
    {
        var events = new List<AuditEvent>();
        // op-bulk exports three tenants' data once each (tenant threshold 3); op-repeat exports one tenant five times; op-few twice.
        foreach (var tenant in new[] { "rev-a", "rev-b", "rev-c" })
        {
            events.Add(new(AuditEventTypes.TenantEvidenceExported, "op-bulk", tenant, "evidence", "started", Details(), Week(3).AddHours(1)));
            events.Add(new(AuditEventTypes.TenantEvidenceExported, "op-bulk", tenant, "evidence", "completed", Details(), Week(3).AddHours(1)));
        }
        events.AddRange(Enumerable.Range(0, 5).Select(n => new AuditEvent(AuditEventTypes.AuditExported, "op-repeat", null, "export", "success",
            new Dictionary<string, string> { ["scope"] = "tenant", ["subject"] = "rev-a", ["records"] = "1" }, Week(3).AddHours(2 + n))));
        events.AddRange(Enumerable.Range(0, 2).Select(n => new AuditEvent(AuditEventTypes.TenantDataExported, "op-few", "rev-a", "export", "started",
            Details(), Week(3).AddHours(2 + n))));
        await database.Store.AppendAsync(events);

        var report = await ReviewWeekAsync(3);

        var mass = report.Findings.Where(f => f.Kind == "mass-export").ToDictionary(f => f.Actor, f => (f.Count, f.Tenants));
        Assert.Equal(new Dictionary<string, (long, long)> { ["op-bulk"] = (3, 3), ["op-repeat"] = (5, 1) }, mass);
    }

    [Fact]
    public async Task Review_DenialsSignInFailuresAndLockouts_Flagged()
    {
        AuditEvent Denied(string actor, int count, int hour) => new(AuditEventTypes.GatewayDenied, actor, null, "/api/x", "refused",
            new Dictionary<string, string> { ["status"] = "403", ["path"] = "/api/x", ["count"] = count.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["windowStart"] = "w", ["windowSeconds"] = "10" }, Week(4).AddHours(hour));
        AuditEvent Identity(string type, string actor, int hour) => new(AuditEventTypes.Find(type)!, actor, null, actor, "failure", null, Week(4).AddHours(hour));
        await database.Store.AppendAsync(
        [
            Denied("client:10.0.0.1", 30, 1), Denied("client:10.0.0.1", 25, 2), Denied("client:10.0.0.2", 49, 1),
            .. Enumerable.Range(0, 10).Select(n => Identity("identity.sign-in.failed", "user-guessed", 1)),
            Identity("identity.sign-in.failed", "user-typo", 1),
            Identity("identity.account.locked-out", "user-guessed", 2),
        ]);

        var report = await ReviewWeekAsync(4);

        Assert.Equal(
            [("lockout", "user-guessed", 1L), ("repeated-denials", "client:10.0.0.1", 55L), ("repeated-sign-in-failures", "user-guessed", 10L)],
            report.Findings.Select(f => (f.Kind, f.Actor, f.Count)).OrderBy(f => f.Kind, StringComparer.Ordinal).ToList());
    }

    [Fact]
    public void Options_BadTimeZoneOrHours_Refused()
    {
        Assert.Empty(new PrivilegedUseReviewOptions().Problems());
        Assert.Single(new PrivilegedUseReviewOptions { TimeZone = "Mars/Olympus" }.Problems());
        Assert.Single(new PrivilegedUseReviewOptions { BusinessHoursStart = 20, BusinessHoursEnd = 8 }.Problems());
        Assert.Single(new PrivilegedUseReviewOptions { MassExportCount = 0 }.Problems());
    }

    [Theory]
    [InlineData("from=2026-01-01T00:00:00Z&to=2026-06-01T00:00:00Z", "to")]
    [InlineData("from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z", "from")]
    [InlineData("from=yesterday", "from")]
    [InlineData("tenant=x", "tenant")]
    public void ParsePeriod_BadInput_NamesTheParameter(string query, string parameter)
    {
        var pairs = query.Split('&').Select(p => p.Split('=', 2)).Select(p => new KeyValuePair<string, string?>(p[0], p[1]));

        var (_, _, errors) = PrivilegedUseReview.ParsePeriod(pairs, DateTimeOffset.UtcNow);

        Assert.Contains(parameter, errors.Keys);
    }
}
