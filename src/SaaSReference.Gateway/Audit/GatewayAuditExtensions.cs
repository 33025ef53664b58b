using SaaSReference.Database.Audit;
using SaaSReference.Database.Hosting;
using SaaSReference.Gateway.Extensions;

namespace SaaSReference.Gateway.Audit;

/// <summary>Wiring of the gateway's part of the audit trail (12.4.3a, 9.1.2a, 12.1.3c): aggregated refusals.</summary>
public static class GatewayAuditExtensions
{
    public static void AddGatewayAudit(this WebApplicationBuilder builder)
    {
        var section = builder.Configuration.GetSection(GatewayAuditOptions.SectionName);
        var startup = section.Get<GatewayAuditOptions>() ?? new GatewayAuditOptions();
        if (!startup.Enabled)
        {
            Console.Error.WriteLine("warning: Gateway:Audit:Enabled is false; refusals at the gateway are not recorded in the audit trail.");
            return;
        }
        if (!builder.AddPlatformDataSource())
        {
            // A pure proxy (no admission control, no sessions) has no database to record into.
            Console.Error.WriteLine("warning: ConnectionStrings:platform is not set; refusals at the gateway are not recorded in the audit trail.");
            return;
        }

        var services = builder.Services;
        services.AddOptions<GatewayAuditOptions>().Bind(section)
            .Validate(o => o.IsValid, "Gateway:Audit:Window must be whole seconds from 1 s to 1 h and Gateway:Audit:MaxKeysPerWindow at least 1.")
            .ValidateOnStart();
        // platform.audit_events must exist before the first flush (the migration is registered once, whoever asks).
        services.AddSchemaMigration();
        // The audit writer of this process. Like the identity service, the gateway signs no checkpoints unless given
        // a key: the silos sign, and a checkpoint covers every chain's head, the gateway's records included.
        services.AddPlatformAudit(builder.Configuration);
        services.PostConfigure<AuditOptions>(options =>
        {
            if (string.IsNullOrEmpty(options.CheckpointSigningKey))
            {
                options.CheckpointInterval = TimeSpan.Zero;
            }
        });
        services.AddSingleton<RefusalAggregator>();
        // After the writer: hosted services stop in reverse order, so the last counts are handed over while the
        // writer still runs, and it then drains them.
        services.AddHostedService<RefusalAuditFlushService>();
    }

    public static bool IsGatewayAuditEnabled(this IApplicationBuilder app) =>
        app.ApplicationServices.GetService<RefusalAggregator>() is not null;

    /// <summary>Early in the pipeline, so it sees the final status of every request, forwarded or answered here.</summary>
    public static IApplicationBuilder UseGatewayAudit(this IApplicationBuilder app)
    {
        if (app.IsGatewayAuditEnabled())
        {
            app.UseMiddleware<RefusalAuditMiddleware>();
        }
        return app;
    }
}
