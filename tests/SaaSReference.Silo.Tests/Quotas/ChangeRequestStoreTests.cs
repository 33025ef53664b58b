using Npgsql;
using SaaSReference.Database.Quotas;
using SaaSReference.Silo.Tests.Security;

namespace SaaSReference.Silo.Tests.Quotas;

/// <summary>The decisions at the database: one winner among racing deciders, and no self-decision even past the code.</summary>
[Collection(ChangeRequestCollection.Name)]
public sealed class ChangeRequestStoreTests(SecuredSiloFactory factory) : IAsyncLifetime
{
    private static readonly TimeSpan Lifetime = TimeSpan.FromHours(1);
    private NpgsqlDataSource? _source;

    private ChangeRequestStore Store => new(_source!);

    public Task InitializeAsync()
    {
        _source = NpgsqlDataSource.Create(factory.ConnectionString);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _source!.DisposeAsync();

    private Task<ChangeRequest> CreateAsync(string requester = "op-store") =>
        Store.CreateAsync(new NewChangeRequest(ChangeRequestKind.PlanChange, "store-tenant", new ChangeRequestPayload(Plan: "premium"), "Store test.",
            requester, DateTimeOffset.UtcNow, DateTimeOffset.UtcNow + Lifetime));

    [Fact]
    public async Task Claim_ByManyApproversAtOnce_ExactlyOneWins()
    {
        var request = await CreateAsync();
        var claims = await Task.WhenAll(Enumerable.Range(0, 8).Select(i =>
            Store.ClaimForApprovalAsync(request.Id, $"ap-{i}", null, DateTimeOffset.UtcNow, Lifetime)));
        var winner = Assert.Single(claims, claim => claim is not null)!;
        Assert.Equal(ChangeRequestStatus.Approved, winner.Status);
        Assert.Null(await Store.RejectAsync(request.Id, "ap-late", "Too late.", DateTimeOffset.UtcNow, Lifetime));

        Assert.Null(await Store.RecordOutcomeAsync(request.Id, "ap-not-the-winner", applied: true, "Done."));
        var recorded = await Store.RecordOutcomeAsync(request.Id, winner.DecidedBy!, applied: false, "Could not.");
        Assert.Equal((ChangeRequestStatus.Failed, "Could not."), (recorded!.Status, recorded.Outcome));
    }

    [Fact]
    public async Task Decide_ByTheRequester_IsRefusedByTheStoreAndByTheTable()
    {
        var request = await CreateAsync("op-same");
        Assert.Null(await Store.ClaimForApprovalAsync(request.Id, "op-same", null, DateTimeOffset.UtcNow, Lifetime));
        Assert.Null(await Store.RejectAsync(request.Id, "op-same", "Withdrawn.", DateTimeOffset.UtcNow, Lifetime));

        await using var command = _source!.CreateCommand(
            "UPDATE platform.change_requests SET status = 'approved', decided_by = requested_by, decided_at = now() WHERE id = $1");
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = request.Id });
        var violation = await Assert.ThrowsAsync<PostgresException>(() => command.ExecuteNonQueryAsync());
        Assert.Equal(PostgresErrorCodes.CheckViolation, violation.SqlState);
        Assert.Equal(ChangeRequestStatus.Pending, (await Store.GetAsync(request.Id))!.Status);
    }

    [Fact]
    public async Task Claim_WhenStale_IsRefusedAndExpireMarksIt()
    {
        var request = await CreateAsync();
        var later = DateTimeOffset.UtcNow + Lifetime + TimeSpan.FromSeconds(1);
        Assert.Null(await Store.ClaimForApprovalAsync(request.Id, "ap-x", null, later, Lifetime));
        // The current lifetime, when shorter than the stored expiry, counts too.
        Assert.Null(await Store.ClaimForApprovalAsync(request.Id, "ap-x", null, DateTimeOffset.UtcNow + TimeSpan.FromMinutes(2), TimeSpan.FromMinutes(1)));
        Assert.Null(await Store.ExpireAsync(request.Id, DateTimeOffset.UtcNow, Lifetime)); // not stale yet
        var expired = await Store.ExpireAsync(request.Id, later, Lifetime);
        Assert.Equal(ChangeRequestStatus.Expired, expired!.Status);
        Assert.Null(expired.DecidedBy);
    }
}
