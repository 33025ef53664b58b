using SaaSReference.Database.Audit;
using SaaSReference.Grains.Audit;

namespace SaaSReference.Silo.Audit;

/// <summary>
/// 12.4.3a/b: the grain call audit filter, registered in one place. <c>Audit:RecordGrainCalls</c> = false (only the
/// audit-overhead benchmark sets it, load/README.md) leaves the filter out; the silo then says so loudly: a warning in
/// its log and one critical <c>audit.grain-calls-unrecorded</c> record in the platform chain, committed before the silo
/// becomes active (takes grain calls). When that record cannot be written the silo does not start.
/// </summary>
public sealed partial class UnrecordedGrainCallsNotice(ILocalSiloDetails silo, IAuditTrail trail, ILogger<UnrecordedGrainCallsNotice> logger)
    : IStartupTask
{
    /// <summary>Registers the grain call audit filter (12.4.3a/b), or, when switched off, this notice in its place.</summary>
    /// <remarks>Call it where the filter belongs: before the quota filter, so that refusals are recorded too.</remarks>
    public static ISiloBuilder AddGrainCallAuditing(ISiloBuilder silo, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(silo);
        ArgumentNullException.ThrowIfNull(configuration);
        var options = configuration.GetSection(AuditOptions.Section).Get<AuditOptions>() ?? new AuditOptions();
        return options.RecordGrainCalls
            ? silo.AddIncomingGrainCallFilter<AuditCallFilter>()
            // Before the silo is active: no grain call is served before the record exists.
            : silo.AddStartupTask<UnrecordedGrainCallsNotice>(ServiceLifecycleStage.ApplicationServices);
    }

    /// <summary>What the record's <c>silo</c> field and target hold: the silo's name and address.</summary>
    public static string Describe(ILocalSiloDetails silo)
    {
        ArgumentNullException.ThrowIfNull(silo);
        return $"{silo.Name} ({silo.SiloAddress})";
    }

    public async Task Execute(CancellationToken cancellationToken)
    {
        var name = Describe(silo);
        LogUnrecorded(logger, name);
        await trail.WriteNowAsync(new AuditEvent(AuditEventTypes.GrainCallsUnrecorded, AuditCallContext.System, null, name, "success",
            new Dictionary<string, string> { ["silo"] = name }), cancellationToken);
    }

    [LoggerMessage(EventId = 9210, Level = LogLevel.Warning,
        Message = "Grain calls are NOT audited on silo {Silo} (Audit:RecordGrainCalls = false; benchmarks only, 12.4.3a/b): a critical audit record says so.")]
    private static partial void LogUnrecorded(ILogger logger, string silo);
}
