using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using SaaSReference.Silo.Tests.Security;
using static SaaSReference.Silo.Tests.ProblemAssert;

namespace SaaSReference.Silo.Tests.Telemetry;

/// <summary>
/// 12.4.3a, 6.3.2 j: a tenant's request is traced down to PostgreSQL with the tenant on every span: the request's, the
/// grain calls' and the database commands' (Npgsql); a tenant a client names in its own baggage header labels nothing.
/// </summary>
[Collection(SecuredSiloCollection.Name)]
public sealed class TenantTracingTests(SecuredSiloFactory factory)
{
    private const string Attribute = "saasref.tenant.id";

    private sealed class SpanRecorder : IDisposable
    {
        private readonly ActivityListener _listener;

        public SpanRecorder()
        {
            _listener = new ActivityListener
            {
                ShouldListenTo = source => source.Name is "Npgsql" or "Microsoft.Orleans.Application" or "Microsoft.AspNetCore",
                Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
                ActivityStopped = activity => Spans.Add((activity.Source.Name, activity.TraceId.ToString(), activity.GetTagItem(Attribute) as string)),
            };
            ActivitySource.AddActivityListener(_listener);
        }

        public ConcurrentBag<(string Source, string TraceId, string? Tenant)> Spans { get; } = [];

        public void Dispose() => _listener.Dispose();
    }

    private static async Task WaitForAsync(Func<bool> condition)
    {
        // Spans stop after the client has its answer: wait for them (bounded).
        for (var attempt = 0; attempt < 100 && !condition(); attempt++)
        {
            await Task.Delay(50);
        }
    }

    [Fact]
    public async Task RecordWrite_EverySpanDownToTheDatabase_NamesTheTenant()
    {
        var tenant = "trace-" + Guid.NewGuid().ToString("N")[..8];
        using (var operatorHttp = factory.CreateBearerClient(factory.Tokens.Operator("op-trace")))
        {
            using var created = await CreateAsync(operatorHttp, tenant);
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            using var collection = await operatorHttp.PutAsync($"/api/tenants/{tenant}/collections/notes", Json("""{"classification":"internal"}"""));
            Assert.Equal(HttpStatusCode.Created, collection.StatusCode);
        }
        using var recorder = new SpanRecorder();
        var traceId = ActivityTraceId.CreateRandom();
        using var http = factory.CreateBearerClient(factory.Tokens.TenantUser(tenant, "user-trace"));
        using var request = new HttpRequestMessage(HttpMethod.Put, $"/api/tenants/{tenant}/records/notes/n1") { Content = Json("""{"text":"traced"}""") };
        request.Headers.Add("traceparent", $"00-{traceId}-{ActivitySpanId.CreateRandom()}-01");

        using var response = await http.SendAsync(request);

        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        await WaitForAsync(() => recorder.Spans.Any(s => s.TraceId == traceId.ToString() && s.Source == "Microsoft.AspNetCore"));
        var trace = recorder.Spans.Where(s => s.TraceId == traceId.ToString()).ToList();
        Assert.Contains(trace, s => s.Source == "Npgsql");
        Assert.Contains(trace, s => s.Source == "Microsoft.Orleans.Application");
        Assert.All(trace, s => Assert.True(s.Tenant == tenant, $"{s.Source} span without the tenant ({s.Tenant ?? "none"})"));
    }

    [Fact]
    public async Task ClientBaggageNamingATenant_LabelsNothing()
    {
        using var recorder = new SpanRecorder();
        var traceId = ActivityTraceId.CreateRandom();
        using var http = factory.CreateBearerClient(factory.Tokens.Operator("op-trace"));
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/tenants?limit=5");
        request.Headers.Add("traceparent", $"00-{traceId}-{ActivitySpanId.CreateRandom()}-01");
        request.Headers.Add("baggage", $"{Attribute}=someone-else");

        using var response = await http.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await WaitForAsync(() => recorder.Spans.Any(s => s.TraceId == traceId.ToString() && s.Source == "Microsoft.AspNetCore"));
        var trace = recorder.Spans.Where(s => s.TraceId == traceId.ToString()).ToList();
        Assert.NotEmpty(trace);
        Assert.DoesNotContain(trace, s => s.Tenant == "someone-else");
    }
}
