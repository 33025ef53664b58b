using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using SaaSReference.Database.Audit;
using SaaSReference.Gateway.Audit;
using SaaSReference.Gateway.RateLimiting;

namespace SaaSReference.Gateway.Tests.Audit;

/// <summary>12.4.3a, 9.1.2a, 12.1.3c: the gateway's refusal counts, without a host: bounded, lossless, never waiting.</summary>
public sealed class RefusalAggregatorTests
{
    private static readonly DateTimeOffset Start = new(2030, 1, 2, 3, 4, 10, TimeSpan.Zero);

    private sealed class ManualTime(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;

        public override DateTimeOffset GetUtcNow() => Now;
    }

    /// <summary>An audit writer whose queue is full: every EnqueueAsync waits until <see cref="Release"/>.</summary>
    private sealed class StalledTrail : IAuditTrail
    {
        private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public List<AuditEvent> Enqueued { get; } = [];

        public async ValueTask EnqueueAsync(AuditEvent auditEvent, CancellationToken cancellationToken = default)
        {
            await _release.Task.WaitAsync(cancellationToken);
            lock (Enqueued)
            {
                Enqueued.Add(auditEvent);
            }
        }

        public Task WriteNowAsync(AuditEvent auditEvent, CancellationToken cancellationToken = default) =>
            throw new InvalidOperationException("Refusals are never privileged acts.");

        public void Release() => _release.TrySetResult();
    }

    private static RefusalAggregator Aggregator(ManualTime time, int cap = 1000, int windowSeconds = 10) =>
        new(Options.Create(new GatewayAuditOptions { Window = TimeSpan.FromSeconds(windowSeconds), MaxKeysPerWindow = cap }), time);

    private static void Deny(RefusalAggregator aggregator, Caller caller, int status = 429, string path = "/api/tenants/{tenantId}/records") =>
        aggregator.Record(AuditEventTypes.GatewayDenied, caller, status, path, null, RefusalSources.Admission);

    [Fact]
    public void Record_SameKeyInOneWindow_OneAggregateWithTheCount()
    {
        var time = new ManualTime(Start.AddSeconds(3));
        var aggregator = Aggregator(time);
        for (var i = 0; i < 250; i++)
        {
            Deny(aggregator, Caller.Tenant("noisy-co"));
        }
        Deny(aggregator, Caller.Tenant("quiet-co"));

        // The window has not ended: nothing is taken yet.
        Assert.Empty(aggregator.Drain(time.Now));
        time.Now = Start.AddSeconds(10);
        var drained = aggregator.Drain(time.Now);

        Assert.Equal(2, drained.Count);
        var noisy = Assert.Single(drained, a => a.Key.CallerId == "noisy-co");
        Assert.Equal(250, noisy.Count);
        Assert.Equal(Start, noisy.Key.WindowStart);
        Assert.Equal("noisy-co", noisy.Key.TenantId);
        Assert.Equal(0, aggregator.Pending);
    }

    [Fact]
    public void Record_MoreDistinctKeysThanTheCap_RestCountedIntoOverflow_NothingLost()
    {
        var time = new ManualTime(Start);
        var aggregator = Aggregator(time, cap: 3);
        // Ten client addresses, 5 refusals each, 401; and two 429s of an eleventh caller.
        for (var client = 1; client <= 10; client++)
        {
            for (var i = 0; i < 5; i++)
            {
                Deny(aggregator, Caller.Anonymous(IPAddress.Parse($"192.0.2.{client}")), status: 401, path: "/api/{id}");
            }
        }
        Deny(aggregator, Caller.Tenant("late-co"));
        Deny(aggregator, Caller.Tenant("late-co"));

        var drained = aggregator.Drain(Start, all: true);

        // 9.1.2a: three callers keep their own aggregate; the rest is counted per type and status, not dropped.
        Assert.Equal(3, drained.Count(a => !a.Key.Overflow));
        Assert.All(drained.Where(a => !a.Key.Overflow), a => Assert.Equal(5, a.Count));
        Assert.Equal(35, Assert.Single(drained, a => a.Key.Overflow && a.Key.Status == 401).Count);
        Assert.Equal(2, Assert.Single(drained, a => a.Key.Overflow && a.Key.Status == 429).Count);
        Assert.Equal(52, drained.Sum(a => a.Count));

        // The cap is per window: the next window starts with room again.
        time.Now = Start.AddSeconds(10);
        Deny(aggregator, Caller.Tenant("late-co"));
        Assert.False(Assert.Single(aggregator.Drain(Start.AddSeconds(20))).Key.Overflow);
    }

    [Fact]
    public void ToAudit_Overflow_SaysSoAndCarriesNoCaller()
    {
        var aggregate = new RefusalAggregate(RefusalKey.OverflowOf(AuditEventTypes.GatewayDenied, 401, Start), 35);

        var audit = RefusalAuditFlushService.ToAudit(aggregate, TimeSpan.FromSeconds(10));

        Assert.Equal("true", audit.Fields["overflow"]);
        Assert.Equal("35", audit.Fields["count"]);
        Assert.Equal("2030-01-02T03:04:10Z", audit.Fields["windowStart"]);
        Assert.Equal("10", audit.Fields["windowSeconds"]);
        Assert.Null(audit.TenantId);
        Assert.False(audit.Fields.ContainsKey("client"));
    }

    [Fact]
    public async Task Record_WriterStalled_ReturnsAndCounts_FlushHandsEverythingOverOnceItMoves()
    {
        var time = new ManualTime(Start);
        var aggregator = Aggregator(time);
        var trail = new StalledTrail();
        var flush = new RefusalAuditFlushService(aggregator, trail, time, NullLogger<RefusalAuditFlushService>.Instance);
        Deny(aggregator, Caller.Tenant("noisy-co"));
        time.Now = Start.AddSeconds(10);

        // The flush waits for the writer (its queue is full) ...
        var flushing = flush.FlushAsync(all: false, CancellationToken.None);
        Assert.False(flushing.IsCompleted);

        // ... while the request path keeps counting: Record is synchronous and never touches the writer.
        for (var i = 0; i < 10_000; i++)
        {
            Deny(aggregator, Caller.Tenant("noisy-co"));
        }
        Assert.Equal(10_000, aggregator.Pending);
        Assert.False(flushing.IsCompleted);
        Assert.Empty(trail.Enqueued);

        trail.Release();
        Assert.Equal(1, await flushing);
        time.Now = Start.AddSeconds(20);
        Assert.Equal(1, await flush.FlushAsync(all: false, CancellationToken.None));
        Assert.Equal(10_001, trail.Enqueued.Sum(e => long.Parse(e.Fields["count"], System.Globalization.CultureInfo.InvariantCulture)));
        Assert.All(trail.Enqueued, e => Assert.Equal("tenant:noisy-co", e.Chain));
    }

    [Fact]
    public async Task Flush_CancelledWhileWriterStalled_KeepsTheCountsForTheFinalFlush()
    {
        var time = new ManualTime(Start);
        var aggregator = Aggregator(time);
        var trail = new StalledTrail();
        var flush = new RefusalAuditFlushService(aggregator, trail, time, NullLogger<RefusalAuditFlushService>.Instance);
        Deny(aggregator, Caller.Tenant("kept-co"));
        Deny(aggregator, Caller.Tenant("kept-co"), status: 403);
        using var stopping = new CancellationTokenSource();

        var flushing = flush.FlushAsync(all: true, stopping.Token);
        await stopping.CancelAsync();
        Assert.Equal(0, await flushing);

        Assert.Equal(2, aggregator.Pending);
        trail.Release();
        Assert.Equal(2, await flush.FlushAsync(all: true, CancellationToken.None));
    }

    [Theory]
    [InlineData("/api/tenants/cold-co/records", "/api/tenants/{tenantId}/records", "cold-co")]
    [InlineData("/API/Tenants/cold-co/records/42/fields", "/api/tenants/{tenantId}/records/*", "cold-co")]
    [InlineData("/api/tenants/NOT_A_TENANT!/records", "/api/tenants/{tenantId}/records", null)]
    [InlineData("/api/status/401", "/api/status/{id}", null)]
    [InlineData("/api/eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln/x", "/api/{id}/x", null)]
    [InlineData("/me", "/me", null)]
    [InlineData("", "/", null)]
    public void Template_KeepsRouteWords_HidesIdsAndFreeText(string path, string template, string? tenant)
    {
        Assert.Equal((template, tenant), RefusalPaths.Of(path));
    }
}
