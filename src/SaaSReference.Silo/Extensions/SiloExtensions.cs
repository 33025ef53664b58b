using Npgsql;
using Orleans.Configuration;
using SaaSReference.Database;
using SaaSReference.Database.Hosting;
using SaaSReference.Contracts.Quotas;
using SaaSReference.Database.Quotas;
using SaaSReference.Grains;
using SaaSReference.Grains.Quotas;
using SaaSReference.Silo.Apis;
using SaaSReference.Silo.Audit;
using SaaSReference.Silo.Dashboard;
using SaaSReference.Silo.Hosting;
using SaaSReference.Silo.Quotas;
using SaaSReference.Silo.Security;
using SaaSReference.Silo.TenantData;
using SaaSReference.Database.TenantData;

namespace SaaSReference.Silo.Extensions;

/// <summary>Wiring of the silo host: PostgreSQL, schema migration, Orleans, security and API support.</summary>
public static class SiloExtensions
{
    private const string AdoNetInvariant = "Npgsql";

    public static WebApplicationBuilder AddPlatformSilo(this WebApplicationBuilder builder)
    {
        var connectionString = builder.Configuration.GetConnectionString("platform")
            ?? throw new InvalidOperationException("ConnectionStrings:platform is not configured (the PostgreSQL database of the platform).");
        var orleans = builder.Configuration.GetSection(OrleansHostOptions.Section).Get<OrleansHostOptions>() ?? new OrleansHostOptions();

        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton(_ => NpgsqlDataSource.Create(connectionString));
        builder.Services.AddSingleton<TenantCatalogStore>();
        builder.Services.AddSingleton<TenantUsageMeter>();
        builder.Services.Configure<NotificationOptions>(builder.Configuration.GetSection(NotificationOptions.Section));
        builder.Services.AddHttpClient(NotificationDispatcher.HttpClientName, client => client.Timeout = TimeSpan.FromSeconds(10));
        builder.Services.AddHttpClient(WebhookTargets.HttpClientName, client => client.Timeout = TimeSpan.FromSeconds(10))
            .ConfigurePrimaryHttpMessageHandler(services => WebhookTargets.Handler(services.GetRequiredService<Microsoft.Extensions.Options.IOptions<NotificationOptions>>().Value));
        builder.Services.AddSingleton<NotificationDispatcher>();
        builder.Services.AddHostedService(provider => provider.GetRequiredService<NotificationDispatcher>());

        // Registered before Orleans so that the schema is in place before the silo joins the cluster.
        builder.Services.AddSchemaMigration();
        // After the migration: the watcher reads the quota tables.
        builder.Services.AddPlatformLimits();
        // 8.1.1a, 8.2.3a, 16.1.7e: tenants' entrusted data in their region's database, a schema per tenant.
        builder.Services.AddTenantStorage(builder.Configuration);
        // 8.1.5a/b, 13.2.2e, 16.1.7a/b, 18.1.3b: export, import and evidence archives of one tenant (docs/export-format.md).
        builder.Services.AddTenantExport(builder.Configuration);
        builder.Services.Configure<TenantFileOptions>(builder.Configuration.GetSection(TenantFileOptions.Section));
        // 10.1.2b: per-tenant data keys (provider, keyring, manager, re-encryption, first key at provisioning).
        builder.Services.AddTenantKeys(builder.Configuration);
        // 12.3.1a/b/c, 18.1.3a: tenant backups (copied to the paired region), platform backups, four-eyes restore.
        builder.Services.AddTenantBackups(builder.Configuration);
        var tenantStorage = builder.Configuration.GetSection(TenantStorageOptions.Section).Get<TenantStorageOptions>() ?? new TenantStorageOptions();
        builder.Services.AddKeyedSingleton<Orleans.Storage.IGrainStorage>(StorageNames.Tenant,
            (services, _) => new TenantGrainStorage(services, services.GetRequiredService<TenantStorageLocator>()));
        // 12.4.2a: before Orleans, so the audit writer stops (and flushes) after the last grain call it records.
        builder.Services.AddSiloAudit(builder.Configuration);

        builder.UseOrleans(silo =>
        {
            silo.Configure<ClusterOptions>(options =>
            {
                options.ClusterId = orleans.ClusterId;
                options.ServiceId = orleans.ServiceId;
            });
            var advertised = orleans.ResolveAdvertisedAddress();
            silo.ConfigureEndpoints(advertised, orleans.SiloPort, orleans.GatewayPort, listenOnAnyHostAddress: !IPAddressIsLoopback(advertised));
            silo.UseAdoNetClustering(options =>
            {
                options.Invariant = AdoNetInvariant;
                options.ConnectionString = connectionString;
            });
            silo.AddAdoNetGrainStorage(StorageNames.Platform, options =>
            {
                options.Invariant = AdoNetInvariant;
                options.ConnectionString = connectionString;
            });
            // One provider per region; TenantGrainStorage routes each tenant-scoped grain to its tenant's region.
            foreach (var (region, regionOptions) in tenantStorage.Regions)
            {
                silo.AddAdoNetGrainStorage(TenantGrainStorage.ProviderOf(region), options =>
                {
                    options.Invariant = AdoNetInvariant;
                    options.ConnectionString = new NpgsqlConnectionStringBuilder(regionOptions.ConnectionString) { MaxPoolSize = regionOptions.MaxPoolSize }.ConnectionString;
                });
            }
            silo.UseAdoNetReminderService(options =>
            {
                options.Invariant = AdoNetInvariant;
                options.ConnectionString = connectionString;
            });
            // Failure detection tuned for fast failover: see docs/failover.md for the values and the measured time.
            silo.Configure<ClusterMembershipOptions>(builder.Configuration.GetSection("Orleans:Membership"));
            silo.Configure<SiloMessagingOptions>(options => options.ResponseTimeout = orleans.ResponseTimeout);
            // A grain call that failed on the database (PostgreSQL restarting) answers its caller with the database's
            // exception; without this, Orleans cannot serialize it and the caller waits for its timeout instead.
            silo.Services.Configure<Orleans.Serialization.ExceptionSerializationOptions>(options => options.SupportedNamespacePrefixes.Add("Npgsql"));
            // 12.4.3a: grain calls get spans, parented across silos (trace context and baggage in the request context), each
            // naming the grain's tenant, so the database calls under it do too.
            silo.AddActivityPropagation();
            silo.AddIncomingGrainCallFilter<Telemetry.TenantTraceCallFilter>();
            // 12.4.3a/b: before quotas, so refusals are recorded; Audit:RecordGrainCalls = false (benchmark only) writes a critical record instead.
            UnrecordedGrainCallsNotice.AddGrainCallAuditing(silo, builder.Configuration);
            // 12.1.3a-c: every call to a tenant's grains passes its quotas first, in one place.
            silo.AddIncomingGrainCallFilter<TenantQuotaCallFilter>();
            // 9.4.4b, 6.3.2 j: the Orleans dashboard for operators (Dashboard:Enabled, docs/dashboard.md); its call profiler
            // after the audit and quota filters, so it times the grains themselves.
            silo.AddPlatformDashboard(builder.Configuration);
            // The whole silo sheds load before it falls over; per-tenant bulkheads are in the filter.
            silo.Configure<LoadSheddingOptions>(builder.Configuration.GetSection("Orleans:LoadShedding"));
            silo.AddStartupTask((services, _) => services.GetRequiredService<IGrainFactory>().GetGrain<IAbuseMonitorGrain>(0).StartAsync());
        });

        // Registered after Orleans, so it stops before Orleans does and its last report still reaches the grains.
        builder.Services.AddHostedService<TenantUsageReporter>();
        builder.Services.AddHealthChecks().AddCheck<SiloReadinessCheck>("orleans-silo");
        builder.Services.AddPlatformSecurity(builder.Configuration);
        builder.Services.AddChangeRequests();
        // 8.1.5d-f: termination at a tenant's request, four eyes and a grace period, then crypto-shredding and the schema dropped.
        builder.Services.AddTenantTermination(builder.Configuration);
        builder.Services.AddExceptionHandler<ClusterExceptionHandler>();
        builder.Services.ConfigureHttpJsonOptions(options => StrictJson.Configure(options.SerializerOptions));
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Limits.MaxRequestBodySize = builder.Configuration.GetValue("Api:MaxRequestBodyBytes", 1L << 20));
        return builder;
    }

    private static bool IPAddressIsLoopback(System.Net.IPAddress address) => System.Net.IPAddress.IsLoopback(address);
}
