using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using SaaSReference.Gateway.RateLimiting;
using SaaSReference.Gateway.Tests.Infrastructure;
using SaaSReference.Testing;
using Xunit.Abstractions;

namespace SaaSReference.Gateway.Tests.RateLimiting;

/// <summary>12.1.3c: refusal counts are added to what other gateway instances wrote, never overwrite it.</summary>
[Collection(PostgresCollection.Name)]
public sealed class RejectionFlushTests(PostgresFixture postgres, ITestOutputHelper output)
{
    private sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }

    [Fact]
    public async Task Flush_RowOfAnotherInstance_AddsToIt()
    {
        await using var stack = await AdmissionStack.StartAsync(postgres, output);
        var now = new DateTimeOffset(2030, 1, 2, 3, 4, 17, TimeSpan.Zero);
        var counter = new RejectionCounter(stack.Watcher, new FixedTime(now));
        var window = SaaSReference.Database.Quotas.LimitRejectionStore.WindowStart(now, stack.Watcher.Configuration.Settings.Abuse.Window);
        Assert.Equal(new DateTimeOffset(2030, 1, 2, 3, 4, 10, TimeSpan.Zero), window);
        await using (var other = stack.Database.CreateCommand(
            "INSERT INTO platform.limit_rejections (tenant_id, window_start, rejected) VALUES ('flush-co', $1, 7)"))
        {
            other.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = window });
            await other.ExecuteNonQueryAsync();
        }
        var flush = new RejectionFlushService(counter, new SaaSReference.Database.Quotas.LimitRejectionStore(stack.Database), TimeProvider.System, NullLogger<RejectionFlushService>.Instance);

        counter.Record("flush-co");
        counter.Record("flush-co");
        counter.Record("flush-co");
        counter.Record("other-co");
        Assert.Equal(2, await flush.FlushAsync(CancellationToken.None));
        counter.Record("flush-co");
        Assert.Equal(1, await flush.FlushAsync(CancellationToken.None));
        Assert.Equal(0, await flush.FlushAsync(CancellationToken.None));

        Assert.Equal(11, await stack.RejectionsInDatabaseAsync("flush-co"));
        Assert.Equal(1, await stack.RejectionsInDatabaseAsync("other-co"));
    }

    [Fact]
    public async Task Flush_DatabaseUnreachable_KeepsCountsForTheNextFlush()
    {
        await using var stack = await AdmissionStack.StartAsync(postgres, output);
        var counter = new RejectionCounter(stack.Watcher, TimeProvider.System);
        await using var unreachable = NpgsqlDataSource.Create("Host=127.0.0.1;Port=1;Database=none;Timeout=1");
        var failing = new RejectionFlushService(counter, new SaaSReference.Database.Quotas.LimitRejectionStore(unreachable), TimeProvider.System, NullLogger<RejectionFlushService>.Instance);
        var working = new RejectionFlushService(counter, new SaaSReference.Database.Quotas.LimitRejectionStore(stack.Database), TimeProvider.System, NullLogger<RejectionFlushService>.Instance);

        counter.Record("kept-co");
        counter.Record("kept-co");
        Assert.Equal(0, await failing.FlushAsync(CancellationToken.None));
        Assert.Equal(1, await working.FlushAsync(CancellationToken.None));

        Assert.Equal(2, await stack.RejectionsInDatabaseAsync("kept-co"));
    }
}
