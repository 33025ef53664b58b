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
app.MapTenantWebhookApi();
app.MapChangeRequestsApis();
SaaSReference.Silo.Audit.AuditApi.MapAuditApi(app);
app.MapFallback(() => TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Not found"));

app.Run();

/// <summary>Entry point, visible to in-process tests.</summary>
public partial class Program;
