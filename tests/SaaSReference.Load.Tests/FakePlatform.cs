using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace SaaSReference.Load.Tests;

/// <summary>
/// A stand-in for the platform on 127.0.0.1 (Kestrel, free port): the endpoints the scenarios call, an operator key,
/// machine clients whose tokens name a tenant, and a per-tenant token bucket (10/s, burst 20) answering 429.
/// </summary>
public sealed class FakePlatform : IAsyncDisposable
{
    public const string OperatorKey = "test-operator-key";
    public static readonly IReadOnlyDictionary<string, string> Clients = new Dictionary<string, string>
    {
        ["alpha-worker"] = "alpha", ["bravo-worker"] = "bravo", ["noisy-worker"] = "noisy",
    };

    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, Bucket> _buckets = new();

    public ConcurrentDictionary<string, int> CreatedTenants { get; } = new();

    /// <summary>Each tenant's status as GET /api/tenants/{id} shows it (absent: active); a frozen tenant's requests get 403.</summary>
    public ConcurrentDictionary<string, string> Statuses { get; } = new();

    /// <summary>
    /// A stand-in for the abuse policy when set: a tenant is throttled once it has had this many requests refused with
    /// 429, and frozen at three times as many.
    /// </summary>
    public int? AbuseAfterRefusals { get; set; }

    private readonly ConcurrentDictionary<string, int> _refusals = new();

    private FakePlatform(WebApplication app) => _app = app;

    public Uri Url { get; private set; } = null!;

    public static async Task<FakePlatform> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var fake = new FakePlatform(app);
        fake.Map(app);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        fake.Url = new Uri(address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal) + "/");
        return fake;
    }

    private void Map(WebApplication app)
    {
        app.MapGet("/health", () => Results.Ok());
        app.MapGet("/", () => Results.Text("ok"));
        app.MapPost("/api/tenants", async (HttpContext context) =>
        {
            if (!IsOperator(context))
            {
                return Results.Unauthorized();
            }
            using var body = await JsonDocument.ParseAsync(context.Request.Body);
            var id = body.RootElement.GetProperty("id").GetString()!;
            return CreatedTenants.TryAdd(id, 0) ? Results.Created($"/api/tenants/{id}", new { id }) : Results.Conflict();
        });
        app.MapGet("/api/tenants/{id}", (string id, HttpContext context) =>
            IsOperator(context) ? Results.Ok(new { id, status = Statuses.GetValueOrDefault(id, "active") }) : Results.Unauthorized());
        app.MapMethods("/api/tenants/{tenant}/records/{collection}/{record}", ["GET", "PUT"], (string tenant, HttpContext context) =>
        {
            var bearer = context.Request.Headers.Authorization.ToString();
            if (!bearer.StartsWith("Bearer ", StringComparison.Ordinal) || Load.Cli.PlatformApi.TenantOf(bearer[7..]) != tenant)
            {
                return Results.Unauthorized();
            }
            if (Statuses.GetValueOrDefault(tenant) == "frozen")
            {
                return Results.Problem(title: "Tenant frozen", statusCode: 403);
            }
            if (_buckets.GetOrAdd(tenant, _ => new Bucket(10, 20)).TryTake())
            {
                return Results.Ok(new { data = new { purpose = "probe" } });
            }
            var refusals = _refusals.AddOrUpdate(tenant, 1, (_, n) => n + 1);
            if (AbuseAfterRefusals is { } limit && refusals >= limit)
            {
                Statuses[tenant] = refusals >= 3 * limit ? "frozen" : "throttled";
            }
            return Results.Problem(title: "Too many requests", statusCode: 429);
        });
        app.MapPost("/identity/connect/token", async (HttpContext context) =>
        {
            var form = await context.Request.ReadFormAsync();
            if (!Clients.TryGetValue(form["client_id"].ToString(), out var tenant) || form["client_secret"] != "secret")
            {
                return Results.BadRequest(new { error = "invalid_client" });
            }
            // As the identity service does: a frozen tenant's clients get no token.
            return Statuses.GetValueOrDefault(tenant) == "frozen"
                ? Results.BadRequest(new { error = "unauthorized_client", error_description = "The tenant's account is suspended." })
                : Results.Ok(new { access_token = Jwt(tenant), token_type = "Bearer", expires_in = 3600 });
        });
    }

    private static bool IsOperator(HttpContext context) => context.Request.Headers["X-Operator-Key"] == OperatorKey;

    private static string Jwt(string tenant) =>
        B64("{\"alg\":\"none\"}") + "." + B64($"{{\"tenant_id\":\"{tenant}\"}}") + ".sig";

    private static string B64(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();

    private sealed class Bucket(double rate, double capacity)
    {
        private readonly Lock _gate = new();
        private readonly double _burst = capacity;
        private double _tokens = capacity;
        private DateTime _last = DateTime.UtcNow;

        public bool TryTake()
        {
            lock (_gate)
            {
                var now = DateTime.UtcNow;
                _tokens = Math.Min(_burst, _tokens + ((now - _last).TotalSeconds * rate));
                _last = now;
                if (_tokens < 1)
                {
                    return false;
                }
                _tokens--;
                return true;
            }
        }
    }
}
