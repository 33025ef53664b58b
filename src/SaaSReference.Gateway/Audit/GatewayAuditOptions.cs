namespace SaaSReference.Gateway.Audit;

/// <summary>
/// <c>Gateway:Audit</c>: how the gateway's refusals reach the audit trail (12.4.3a, 9.1.2a, 12.1.3c). Refusals are
/// counted in memory per aggregate and window and written as one record per aggregate when the window ends.
/// </summary>
public sealed class GatewayAuditOptions
{
    public const string SectionName = "Gateway:Audit";

    /// <summary>Off: no refusal is recorded in the audit trail (a warning says so at start).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Length of a counting window, aligned to the Unix epoch (whole seconds, 1 s to 1 h).</summary>
    public TimeSpan Window { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Distinct aggregates kept per window; refusals beyond it are counted into one overflow aggregate per event
    /// type and status, so a flood of fresh addresses or paths costs bounded memory and loses no count.
    /// </summary>
    public int MaxKeysPerWindow { get; set; } = 1000;

    public bool IsValid => Window >= TimeSpan.FromSeconds(1) && Window <= TimeSpan.FromHours(1)
        && Window.Ticks % TimeSpan.TicksPerSecond == 0 && MaxKeysPerWindow >= 1;
}
