using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Microsoft.Extensions.Hosting;

/// <summary>Traces, metrics and logs through OpenTelemetry, exported over OTLP when an endpoint is configured.</summary>
public static class OpenTelemetryExtensions
{
    /// <summary>Activity sources and meters of the platform's own code and of Orleans and Npgsql.</summary>
    public static readonly string[] Sources = ["SaaSReference.*", "Microsoft.Orleans.Runtime", "Microsoft.Orleans.Application", "Npgsql"];

    public static TBuilder ConfigureOpenTelemetry<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.Logging.AddOpenTelemetry(logging =>
        {
            logging.IncludeFormattedMessage = true;
            logging.IncludeScopes = true;
        });

        builder.Services.AddOpenTelemetry()
            .WithMetrics(metrics => metrics
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddRuntimeInstrumentation()
                .AddMeter(Sources))
            .WithTracing(tracing => tracing
                .AddProcessor<SaaSReference.ServiceDefaults.Telemetry.TenantSpanProcessor>() // every span of a tenant's request names it
                .AddSource(builder.Environment.ApplicationName)
                .AddSource(Sources)
                .AddAspNetCoreInstrumentation(options =>
                    // Health probes run every second or two per destination: keep them out of traces.
                    options.Filter = context => !context.Request.Path.StartsWithSegments("/health"))
                .AddHttpClientInstrumentation());

        if (!string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            builder.Services.AddOpenTelemetry().UseOtlpExporter();
        }
        return builder;
    }
}
