var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();

var app = builder.Build();

// The gateway forwards /identity/** unchanged; the identity service lives under that path base so that its
// issuer URL and pages are the same whether reached through the gateway or directly.
app.UsePathBase("/identity");
app.UseRouting();
app.UseProblemDetailsForErrors();
app.MapDefaultEndpoints();
app.MapFallback(() => TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Not found"));

app.Run();
