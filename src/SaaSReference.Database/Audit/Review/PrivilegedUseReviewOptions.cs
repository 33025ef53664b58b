namespace SaaSReference.Database.Audit.Review;

/// <summary>
/// What the privileged-use review (12.4.3d, 9.4.4b) counts as unusual; section <c>AuditReview</c>. The defaults suit an
/// operations team in Japan working weekdays 08:00-20:00.
/// </summary>
public sealed class PrivilegedUseReviewOptions
{
    public const string Section = "AuditReview";

    /// <summary>IANA time zone the business hours are in (PostgreSQL and .NET both know IANA names).</summary>
    public string TimeZone { get; set; } = "Asia/Tokyo";

    /// <summary>First hour of the working day (0-23), local time.</summary>
    public int BusinessHoursStart { get; set; } = 8;

    /// <summary>The hour the working day ends (1-24, exclusive), local time.</summary>
    public int BusinessHoursEnd { get; set; } = 20;

    /// <summary>Whether privileged acts on Saturdays and Sundays are unusual.</summary>
    public bool WeekendsAreUnusual { get; set; } = true;

    /// <summary>Exports (tenant data, evidence, audit) by one person in the period from which they are a mass export.</summary>
    public int MassExportCount { get; set; } = 5;

    /// <summary>Distinct tenants one person exported in the period from which it is a mass export.</summary>
    public int MassExportTenants { get; set; } = 3;

    /// <summary>Refused requests (401/403/429, frozen) counted at the gateway for one caller in the period.</summary>
    public int RepeatedDenials { get; set; } = 50;

    /// <summary>Failed sign-ins and second factors of one account in the period.</summary>
    public int RepeatedSignInFailures { get; set; } = 10;

    /// <summary>Refused change requests or decisions (other than self-approvals) of one person in the period.</summary>
    public int RepeatedChangeRefusals { get; set; } = 5;

    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        try
        {
            TimeZoneInfo.FindSystemTimeZoneById(TimeZone);
        }
        catch (Exception exception) when (exception is TimeZoneNotFoundException or InvalidTimeZoneException or ArgumentException)
        {
            problems.Add($"AuditReview:TimeZone '{TimeZone}' is not a known time zone.");
        }
        if (BusinessHoursStart is < 0 or > 23 || BusinessHoursEnd is < 1 or > 24 || BusinessHoursStart >= BusinessHoursEnd)
        {
            problems.Add("AuditReview:BusinessHoursStart (0-23) must be before AuditReview:BusinessHoursEnd (1-24).");
        }
        if (MassExportCount < 1 || MassExportTenants < 1 || RepeatedDenials < 1 || RepeatedSignInFailures < 1 || RepeatedChangeRefusals < 1)
        {
            problems.Add("AuditReview thresholds must be at least 1.");
        }
        return problems;
    }
}
