// 12.4.2a: the audit trail's verify from the command line, without starting the silo.
if (args.Length > 0 && args[0] == SaaSReference.Database.Audit.AuditVerifyCommand.Name)
{
    var configuration = new ConfigurationBuilder().AddJsonFile("appsettings.json", optional: true).AddEnvironmentVariables().AddCommandLine(args[1..]).Build();
    var auditOptions = configuration.GetSection(SaaSReference.Database.Audit.AuditOptions.Section).Get<SaaSReference.Database.Audit.AuditOptions>() ?? new();
    return await SaaSReference.Database.Audit.AuditVerifyCommand.RunAsync(
        [.. args[1..].Where(a => !a.Contains('=', StringComparison.Ordinal))], configuration.GetConnectionString("platform"), auditOptions, Console.Out);
}

// 12.4.2b: the offline check of a signed audit export; needs the file and public keys, no database.
if (args.Length > 0 && args[0] == SaaSReference.Database.Audit.Export.AuditExportVerifyCommand.Name)
{
    var configuration = new ConfigurationBuilder().AddEnvironmentVariables().Build();
    var auditOptions = configuration.GetSection(SaaSReference.Database.Audit.AuditOptions.Section).Get<SaaSReference.Database.Audit.AuditOptions>() ?? new();
    return await SaaSReference.Database.Audit.Export.AuditExportVerifyCommand.RunAsync(args[1..], auditOptions.CheckpointPublicKeys, Console.Out);
}

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddPlatformSilo();

var app = builder.Build();

app.UseProblemDetailsForErrors();
app.UseAuthentication();
app.UseAuthorization();
app.UseMiddleware<SaaSReference.Silo.Audit.AuditActor>();
app.UseMiddleware<SaaSReference.Silo.Quotas.TenantAdmission>();

app.MapDefaultEndpoints();
app.MapTenantsApi();
app.MapTenantQuotaApi();
app.MapRecordsApi();
app.MapTenantBackupsApi();
app.MapTenantKeysApi();
app.MapCollectionsApi();
app.MapFilesApi();
app.MapTenantExportApi();
app.MapTenantWebhookApi();
app.MapTenantTerminationApi();
app.MapChangeRequestsApis();
SaaSReference.Silo.Audit.AuditApi.MapAuditApi(app);
SaaSReference.Silo.Audit.AuditExportApi.MapAuditExportApi(app);
SaaSReference.Silo.Audit.AuditReviewApi.MapAuditReviewApi(app);
// 9.4.4b: the Orleans dashboard under /dashboard, operators only (docs/dashboard.md).
SaaSReference.Silo.Dashboard.DashboardEndpoints.MapPlatformDashboard(app);
app.MapFallback(() => TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Not found"));

await app.RunAsync();
return 0;

/// <summary>Entry point, visible to in-process tests.</summary>
public partial class Program;
