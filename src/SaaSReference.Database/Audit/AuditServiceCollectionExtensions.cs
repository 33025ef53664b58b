using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace SaaSReference.Database.Audit;

public static class AuditServiceCollectionExtensions
{
    /// <summary>
    /// The audit trail's store, writer (a hosted service) and checkpoint keys. Needs an <c>NpgsqlDataSource</c> and a
    /// <see cref="TimeProvider"/>. Register it before Orleans: hosted services stop in reverse order, so the writer
    /// stops, and flushes, after the last grain call it records.
    /// </summary>
    public static IServiceCollection AddPlatformAudit(this IServiceCollection services, IConfiguration configuration)
    {
        services.Configure<AuditOptions>(configuration.GetSection(AuditOptions.Section));
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<AuditStore>();
        services.TryAddSingleton(provider => Keys(provider.GetRequiredService<IOptions<AuditOptions>>().Value));
        services.TryAddSingleton<AuditCheckpointLog>();
        services.TryAddSingleton<AuditVerifier>();
        services.TryAddSingleton<Export.AuditExporter>();
        services.TryAddSingleton<AuditWriter>();
        services.TryAddSingleton<IAuditTrail>(provider => provider.GetRequiredService<AuditWriter>());
        services.AddHostedService(provider => provider.GetRequiredService<AuditWriter>());
        return services;
    }

    private static AuditCheckpointKeys Keys(AuditOptions options)
    {
        var publicKeys = options.CheckpointPublicKeys.Select(Convert.FromBase64String);
        if (!string.IsNullOrEmpty(options.CheckpointSigningKey))
        {
            return new AuditCheckpointKeys(Convert.FromBase64String(options.CheckpointSigningKey), publicKeys);
        }
        // Without a configured key this process still signs (so tails are protected while it runs), with a key
        // that dies with it: checkpoints of earlier runs then count as "unknown key" in verify.
        if (options.CheckpointInterval > TimeSpan.Zero)
        {
            Console.Error.WriteLine("warning: Audit:CheckpointSigningKey is not set; audit checkpoints are signed with a key of this process only.");
            return new AuditCheckpointKeys(AuditCheckpointKeys.NewPrivateKey(), publicKeys);
        }
        return new AuditCheckpointKeys(null, publicKeys);
    }
}
