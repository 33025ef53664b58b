namespace SaaSReference.Database.TenantData.Termination;

/// <summary>
/// Configuration section <c>TenantTermination</c> (8.1.5d): how long a requested termination waits before anything is
/// destroyed, and how often the executor looks for terminations that are due.
/// </summary>
public sealed class TenantTerminationOptions
{
    public const string Section = "TenantTermination";

    /// <summary>The grace period of the contract unless configured otherwise: 30 days.</summary>
    public static readonly TimeSpan DefaultGracePeriod = TimeSpan.FromDays(30);

    /// <summary>The longest grace period accepted.</summary>
    public static readonly TimeSpan MaxGracePeriod = TimeSpan.FromDays(366);

    /// <summary>
    /// From the request until the earliest moment of execution. During it the tenant keeps working (it may export its data)
    /// and its admins or an operator may cancel; an approval given during it waits for its end (docs/tenant-termination.md).
    /// </summary>
    public TimeSpan GracePeriod { get; set; } = DefaultGracePeriod;

    /// <summary>How often each silo's executor looks for approved terminations whose grace period has ended.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>What is wrong with this configuration, or an empty list.</summary>
    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        if (GracePeriod < TimeSpan.Zero || GracePeriod > MaxGracePeriod)
        {
            problems.Add($"{Section}:GracePeriod must be from 0 to {MaxGracePeriod.TotalDays:0} days.");
        }
        if (PollInterval < TimeSpan.FromMilliseconds(100) || PollInterval > TimeSpan.FromHours(1))
        {
            problems.Add($"{Section}:PollInterval must be from 100 ms to 1 hour.");
        }
        return problems;
    }
}
