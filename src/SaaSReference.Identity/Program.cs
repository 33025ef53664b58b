using SaaSReference.Identity.Account;
using SaaSReference.Identity.Api;
using SaaSReference.Identity.Extensions;
using SaaSReference.Identity.OpenIddict;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddPlatformIdentity();

var app = builder.Build();

// The gateway forwards /identity/** unchanged; the identity service lives under that path base so that its
// issuer URL and pages are the same whether reached through the gateway or directly.
app.UsePathBase("/identity");
// The pages' stylesheet from wwwroot. Not MapStaticAssets: in a build output its precompressed variants
// answered browsers (Accept-Encoding: br, gzip) with an empty body, so the pages rendered unstyled.
app.UseStaticFiles();
app.UseRouting();
app.UseProblemDetailsForErrors();
// OpenIddict's server and validation run as authentication handlers.
app.UseAuthentication();
app.UseAuthorization();

app.MapDefaultEndpoints();
app.MapPlatformSignIn();
app.MapTokenEndpoint();
app.MapUsersApi();
app.MapTenantPolicyApi();
app.MapAccessReviewApi();
app.MapFallback(() => TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Not found"));

app.Run();

/// <summary>Entry point, visible to in-process tests.</summary>
public partial class Program;
