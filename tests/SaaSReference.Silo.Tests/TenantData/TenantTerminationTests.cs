using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using SaaSReference.Contracts.Tenants;
using SaaSReference.Database.TenantData;
using SaaSReference.Database.TenantData.Backups;
using SaaSReference.Database.TenantData.Keys;
using SaaSReference.Database.TenantData.Termination;
using SaaSReference.Silo.Security;
using SaaSReference.Silo.Tests.Security;
using SaaSReference.Silo.TenantData;
using static SaaSReference.Silo.Tests.ProblemAssert;

namespace SaaSReference.Silo.Tests.TenantData;

/// <summary>
/// A secured silo whose terminations have a grace period of seconds (<c>TenantTermination:GracePeriod</c>) and whose executor
/// polls four times a second: the silo of <see cref="SecuredSiloFactory"/> with those two settings added.
/// </summary>
public sealed class TerminationSilo : IAsyncLifetime
{
    public static readonly TimeSpan GracePeriod = TimeSpan.FromSeconds(4);

    private readonly SecuredSiloFactory _secured = new();
    private WebApplicationFactory<Program>? _app;

    public WebApplicationFactory<Program> App => _app ?? throw new InvalidOperationException("Not started.");

    public TokenMinter Tokens => _secured.Tokens;

    public string PlatformConnectionString => _secured.ConnectionString;

    public string RegionConnectionString(string region) => _secured.RegionConnectionString(region);

    public T Service<T>() where T : notnull => App.Services.GetRequiredService<T>();

    public async Task InitializeAsync()
    {
        await ((IAsyncLifetime)_secured).InitializeAsync();
        _app = _secured.WithWebHostBuilder(builder =>
        {
            builder.UseSetting("TenantTermination:GracePeriod", GracePeriod.ToString("c", System.Globalization.CultureInfo.InvariantCulture));
            builder.UseSetting("TenantTermination:PollInterval", "00:00:00.250");
        });
    }

    public Task DisposeAsync() => ((IAsyncLifetime)_secured).DisposeAsync();

    public HttpClient Client(string token)
    {
        var client = App.CreateClient();
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    public HttpClient Operator(string subject = "op-alice") => Client(Tokens.Operator(subject));

    public HttpClient Admin(string tenantId, string subject) => Client(Tokens.TenantAdmin(tenantId, subject));

    /// <summary>An approver signed in with password and TOTP, as the identity service issues it.</summary>
    public HttpClient Approver(string subject) => Client(Tokens.Mint(new Dictionary<string, object>
    {
        ["sub"] = subject,
        ["role"] = new[] { Roles.Approver },
        ["amr"] = new[] { "pwd", "otp", "mfa" },
    }));
}

[CollectionDefinition(Name)]
public sealed class TerminationCollection : ICollectionFixture<TerminationSilo>
{
    public const string Name = "Tenant termination";
}

/// <summary>
/// 8.1.5d-f: a tenant admin requests the termination of its tenant (typed confirmation); a second person approves it
/// (6.1.2a); nothing is destroyed before both the approval and the end of the grace period; then the tenant is refused
/// everywhere, every version of its data key is destroyed at the key provider (its backups become undecryptable), its schema
/// is dropped, and what was destroyed is recorded. Cancelled or unapproved requests never execute; other tenants are untouched.
/// </summary>
[Collection(TerminationCollection.Name)]
public sealed class TenantTerminationTests(TerminationSilo silo)
{
    private const string Region = "jp-west";

    [Fact]
    public async Task Termination_ApprovedAndPastGracePeriod_LeavesNothingReadable_AndOtherTenantsUntouched()
    {
        var marker = "marker-" + Guid.NewGuid().ToString("N");
        var doomed = await CreateTenantWithRecordAsync("term", marker);
        var other = await CreateTenantWithRecordAsync("keep", marker);
        var backups = silo.Service<TenantBackupService>();
        var doomedBackup = await backups.CreateAsync(doomed, "backup-test");
        var otherBackup = await backups.CreateAsync(other, "backup-test");
        Assert.NotNull(doomedBackup.CopiedAt);
        var captured = await ReadCiphertextAsync(doomed);

        using var admin = silo.Admin(doomed, "admin-" + doomed);
        var requested = await RequestAsync(admin, doomed, "Contract ends; delete everything.");
        Assert.Equal("pending", requested.GetProperty("state").GetString());
        // During the grace period the tenant keeps working: it may still read and export its data.
        using (var read = await admin.GetAsync($"/api/tenants/{doomed}/records/notes/n-1"))
        {
            Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        }

        using var approver = silo.Approver("ap-" + doomed);
        var approval = await ApproveAsync(approver, requested);
        Assert.Equal("approved", approval.GetProperty("status").GetString());
        Assert.Contains("grace period", approval.GetProperty("outcome").GetString(), StringComparison.Ordinal);

        var executed = await WaitForStateAsync(doomed, "executed");
        Assert.Equal("admin-" + doomed, executed.GetProperty("requestedBy").GetString());
        Assert.Equal("ap-" + doomed, executed.GetProperty("approvedBy").GetString());
        // Never started before the end of the grace period (the server's own timestamps).
        Assert.True(executed.GetProperty("executionStartedAt").GetDateTimeOffset() >= executed.GetProperty("executeAfter").GetDateTimeOffset());
        var evidence = executed.GetProperty("evidence");
        Assert.Equal(Region, evidence.GetProperty("region").GetString());
        Assert.Equal(TenantSchemas.NameOf(doomed), evidence.GetProperty("schemaName").GetString());
        Assert.Equal(1L, evidence.GetProperty("droppedRows").GetProperty("records").GetInt64());
        Assert.Equal(new[] { 1 }, evidence.GetProperty("keyVersionsDestroyed").EnumerateArray().Select(v => v.GetInt32()).ToArray());
        var undecryptable = evidence.GetProperty("backupsUndecryptable").EnumerateArray().ToList();
        Assert.Equal(doomedBackup.BackupId, Assert.Single(undecryptable).GetProperty("backupId").GetGuid());

        // 1. The schema is gone from the region database; the other tenant's is there.
        await using (var region = NpgsqlDataSource.Create(silo.RegionConnectionString(Region)))
        {
            Assert.Equal(0L, await ScalarAsync<long>(region, "SELECT count(*) FROM information_schema.schemata WHERE schema_name = $1", TenantSchemas.NameOf(doomed)));
            Assert.Equal(0L, await ScalarAsync<long>(region, "SELECT count(*) FROM tenant_storage.tenants WHERE tenant_id = $1", doomed));
            Assert.Equal(1L, await ScalarAsync<long>(region, "SELECT count(*) FROM information_schema.schemata WHERE schema_name = $1", TenantSchemas.NameOf(other)));
        }
        await using (var platform = NpgsqlDataSource.Create(silo.PlatformConnectionString))
        {
            Assert.Equal("terminated", await ScalarAsync<string>(platform, "SELECT state FROM platform.tenant_storage WHERE tenant_id = $1", doomed));
            Assert.Equal(0L, await ScalarAsync<long>(platform, "SELECT count(*) FROM platform.tenant_keys WHERE tenant_id = $1 AND state <> 'destroyed'", doomed));
        }

        // 2. The key provider refuses every version; the keyring too; a ciphertext captured before cannot be decrypted.
        var provider = silo.Service<ITenantKeyProvider>();
        var refused = await Assert.ThrowsAsync<TenantKeyUnavailableException>(() => provider.UnwrapAsync(doomed, 1));
        Assert.Equal(TenantKeyUnavailableReason.Destroyed, refused.Reason);
        var keyring = silo.Service<ITenantKeyring>();
        var decrypt = await Assert.ThrowsAsync<TenantKeyUnavailableException>(async () =>
            await TenantCipher.DecryptAsync(keyring, doomed, captured, TenantDataAad.Record(doomed, "notes", "n-1")));
        Assert.Equal(TenantKeyUnavailableReason.Destroyed, decrypt.Reason);

        // 3. The backup taken before termination: its artifacts are still on the backup sites, hold nothing in clear, and
        //    can be neither restored nor decrypted (the key version that encrypted them is destroyed at the provider).
        var settings = silo.Service<TenantRegions>();
        var artifacts = new[]
        {
            TenantBackupFormat.Resolve(settings.Region(doomedBackup.Region).BackupDirectory, doomedBackup.Location),
            TenantBackupFormat.Resolve(settings.Region(doomedBackup.CopyRegion!).BackupDirectory, doomedBackup.CopyLocation!),
        };
        foreach (var artifact in artifacts)
        {
            Assert.True(File.Exists(artifact), artifact);
            Assert.DoesNotContain(marker, Encoding.UTF8.GetString(await File.ReadAllBytesAsync(artifact)), StringComparison.Ordinal);
        }
        await Assert.ThrowsAsync<TenantBackupRefusedException>(() => backups.RestoreAsync(doomed, doomedBackup.BackupId, "op-restore", "ap-restore"));
        var backupKey = await Assert.ThrowsAsync<TenantKeyUnavailableException>(async () => await keyring.GetAsync(doomed, doomedBackup.KeyVersion!.Value));
        Assert.Equal(TenantKeyUnavailableReason.Destroyed, backupKey.Reason);
        var backupAtProvider = await Assert.ThrowsAsync<TenantKeyUnavailableException>(() => provider.UnwrapAsync(doomed, doomedBackup.KeyVersion!.Value));
        Assert.Equal(TenantKeyUnavailableReason.Destroyed, backupAtProvider.Reason);

        // 4. The data routes answer 410; the termination itself stays readable to the tenant's admin.
        foreach (var path in new[] { $"/api/tenants/{doomed}/records/notes/n-1", $"/api/tenants/{doomed}/collections", $"/api/tenants/{doomed}/keys" })
        {
            using var gone = await admin.GetAsync(path);
            var problem = await IsProblemAsync(gone, HttpStatusCode.Gone);
            Assert.Equal(TenantTerminationProblems.TerminatedType, problem.GetProperty("type").GetString());
        }
        using (var write = await TenantDataClient.PutRecordAsync(admin, doomed, "notes", "n-2", new { text = "after" }))
        {
            await IsProblemAsync(write, HttpStatusCode.Gone);
        }
        using (var again = await admin.PostAsJsonAsync($"/api/tenants/{doomed}/termination", new { reason = "Again.", confirmTenantId = doomed }))
        {
            await IsProblemAsync(again, HttpStatusCode.Gone);
        }
        using (var view = await admin.GetAsync($"/api/tenants/{doomed}/termination"))
        {
            Assert.Equal(HttpStatusCode.OK, view.StatusCode);
        }
        using (var status = await admin.GetAsync($"/api/tenants/{doomed}"))
        {
            Assert.Equal(HttpStatusCode.OK, status.StatusCode);
            Assert.Equal("terminated", (await status.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString());
        }
        Assert.Equal(TenantStatus.Terminated, (await silo.Service<IGrainFactory>().GetGrain<ITenantGrain>(doomed).GetStandingAsync())!.Status);

        // 5. The other tenant: its data, its key and its backup are intact (the backup decrypts and restores).
        using var otherAdmin = silo.Admin(other, "admin-" + other);
        using (var read = await otherAdmin.GetAsync($"/api/tenants/{other}/records/notes/n-1"))
        {
            Assert.Equal(HttpStatusCode.OK, read.StatusCode);
            Assert.Contains(marker, await read.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
        Assert.Equal(1, (await provider.UnwrapAsync(other, 1)).Version);
        var restored = await backups.RestoreAsync(other, otherBackup.BackupId, "op-restore", "ap-restore");
        Assert.Equal(1L, restored.RowCounts["records"]);

        // 6. Every act is in the audit trail.
        var types = await AuditTypesAsync(doomed);
        Assert.Contains("tenant-data.termination-requested", types);
        Assert.Contains("change-request.requested", types);
        Assert.Contains("change-request.approved", types);
        Assert.Contains("tenant-data.key-destroyed", types);
        Assert.Equal(1, types.Count(t => t == "tenant-data.terminated"));
    }

    [Fact]
    public async Task Termination_WithoutApproval_IsNeverExecuted_EvenAfterTheGracePeriod()
    {
        var tenant = await CreateTenantWithRecordAsync("noap", "kept");
        using var admin = silo.Admin(tenant, "admin-" + tenant);
        var requested = await RequestAsync(admin, tenant, "Thinking about leaving.");
        await WaitUntilDueAsync(Id(requested));

        // Polls after the grace period ended execute nothing: the approval is missing.
        var executed = await silo.Service<TenantTerminationWorker>().RunOnceAsync();
        Assert.DoesNotContain(executed, t => t.TenantId == tenant);
        Assert.Equal("pending", (await GetTerminationAsync(admin, tenant)).GetProperty("state").GetString());
        using (var read = await admin.GetAsync($"/api/tenants/{tenant}/records/notes/n-1"))
        {
            Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        }
        Assert.Equal(1, (await silo.Service<ITenantKeyProvider>().UnwrapAsync(tenant, 1)).Version);

        // Approved after the grace period: executed at the next poll.
        using var approver = silo.Approver("ap-late");
        await ApproveAsync(approver, requested);
        var done = await WaitForStateAsync(tenant, "executed");
        Assert.True(done.GetProperty("executedAt").GetDateTimeOffset() >= done.GetProperty("approvedAt").GetDateTimeOffset());
    }

    [Fact]
    public async Task Termination_ApprovedBeforeTheGracePeriodEnds_WaitsForIt()
    {
        var tenant = await CreateTenantWithRecordAsync("wait", "kept");
        using var admin = silo.Admin(tenant, "admin-" + tenant);
        var requested = await RequestAsync(admin, tenant, "Leaving next month.");
        // The grace period of a real contract (30 days by default), set on this request.
        await ExecuteSqlAsync(silo.PlatformConnectionString,
            "UPDATE platform.tenant_terminations SET execute_after = now() + interval '30 days' WHERE termination_id = $1", Id(requested));
        using var approver = silo.Approver("ap-early");
        await ApproveAsync(approver, requested);

        var executed = await silo.Service<TenantTerminationWorker>().RunOnceAsync();
        Assert.DoesNotContain(executed, t => t.TenantId == tenant);
        var approved = await GetTerminationAsync(admin, tenant);
        Assert.Equal("approved", approved.GetProperty("state").GetString());
        Assert.Equal(JsonValueKind.Null, approved.GetProperty("executionStartedAt").ValueKind);
        // The tenant keeps working through the grace period: reads, writes.
        using (var write = await TenantDataClient.PutRecordAsync(admin, tenant, "notes", "n-2", new { text = "still here" }))
        {
            Assert.Equal(HttpStatusCode.Created, write.StatusCode);
        }

        // The grace period ends: executed, never before its end.
        await ExecuteSqlAsync(silo.PlatformConnectionString,
            "UPDATE platform.tenant_terminations SET execute_after = now() WHERE termination_id = $1", Id(requested));
        var done = await WaitForStateAsync(tenant, "executed");
        Assert.True(done.GetProperty("executionStartedAt").GetDateTimeOffset() >= done.GetProperty("executeAfter").GetDateTimeOffset());
        Assert.Equal(2L, done.GetProperty("evidence").GetProperty("droppedRows").GetProperty("records").GetInt64());
    }

    [Fact]
    public async Task Approval_ByTheRequesterThemself_IsRefused()
    {
        var tenant = await CreateTenantWithRecordAsync("self", "kept");
        using var admin = silo.Admin(tenant, "admin-self-" + tenant);
        var requested = await RequestAsync(admin, tenant, "Self approval test.");

        // The same person (token subject), with an approver's role and MFA.
        using var sameSubject = silo.Approver("admin-self-" + tenant);
        using var approve = await sameSubject.PostAsJsonAsync($"/api/change-requests/{ChangeRequestId(requested)}/approve", new { note = "mine" });
        var problem = await IsProblemAsync(approve, HttpStatusCode.Forbidden);
        Assert.EndsWith("/self-approval", problem.GetProperty("type").GetString(), StringComparison.Ordinal);

        await WaitUntilDueAsync(Id(requested));
        await silo.Service<TenantTerminationWorker>().RunOnceAsync();
        Assert.Equal("pending", (await GetTerminationAsync(admin, tenant)).GetProperty("state").GetString());
    }

    [Fact]
    public async Task AnotherTenantsAdmin_CannotRequestCancelOrSeeIt_404()
    {
        var tenant = await CreateTenantWithRecordAsync("vict", "kept");
        var stranger = await CreateTenantWithRecordAsync("strn", "kept");
        using var admin = silo.Admin(tenant, "admin-" + tenant);
        using var strangerAdmin = silo.Admin(stranger, "admin-" + stranger);

        using (var request = await strangerAdmin.PostAsJsonAsync($"/api/tenants/{tenant}/termination", new { reason = "Hostile.", confirmTenantId = tenant }))
        {
            await IsProblemAsync(request, HttpStatusCode.NotFound);
        }
        await RequestAsync(admin, tenant, "Real request.");
        using (var see = await strangerAdmin.GetAsync($"/api/tenants/{tenant}/termination"))
        {
            await IsProblemAsync(see, HttpStatusCode.NotFound);
        }
        using (var cancel = await strangerAdmin.DeleteAsync($"/api/tenants/{tenant}/termination"))
        {
            await IsProblemAsync(cancel, HttpStatusCode.NotFound);
        }
        Assert.Equal("pending", (await GetTerminationAsync(admin, tenant)).GetProperty("state").GetString());

        // A member who is not an admin may not request it; an operator may read it but not request it for the tenant.
        using var member = silo.Client(silo.Tokens.TenantUser(tenant));
        using (var byMember = await member.PostAsJsonAsync($"/api/tenants/{tenant}/termination", new { reason = "No.", confirmTenantId = tenant }))
        {
            await IsProblemAsync(byMember, HttpStatusCode.Forbidden);
        }
        using var op = silo.Operator();
        using (var byOperator = await op.PostAsJsonAsync($"/api/tenants/{tenant}/termination", new { reason = "No.", confirmTenantId = tenant }))
        {
            await IsProblemAsync(byOperator, HttpStatusCode.Forbidden);
        }
        using var byOperatorRead = await op.GetAsync($"/api/tenants/{tenant}/termination");
        Assert.Equal(HttpStatusCode.OK, byOperatorRead.StatusCode);
    }

    [Fact]
    public async Task CancelledTermination_IsNeverExecuted()
    {
        // Cancelled by the tenant's admin after the approval, during the grace period.
        var approvedThenCancelled = await CreateTenantWithRecordAsync("canc", "kept");
        using var admin = silo.Admin(approvedThenCancelled, "admin-" + approvedThenCancelled);
        var first = await RequestAsync(admin, approvedThenCancelled, "Maybe.");
        using var approver = silo.Approver("ap-cancel");
        await ApproveAsync(approver, first);
        using (var cancel = await admin.DeleteAsync($"/api/tenants/{approvedThenCancelled}/termination"))
        {
            Assert.Equal(HttpStatusCode.OK, cancel.StatusCode);
            var body = await cancel.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal("cancelled", body.GetProperty("state").GetString());
            Assert.Equal("admin-" + approvedThenCancelled, body.GetProperty("cancelledBy").GetString());
        }

        // Cancelled by an operator before the approval: its change request is withdrawn and can no longer be approved.
        var cancelledByOperator = await CreateTenantWithRecordAsync("canop", "kept");
        using var otherAdmin = silo.Admin(cancelledByOperator, "admin-" + cancelledByOperator);
        var second = await RequestAsync(otherAdmin, cancelledByOperator, "Maybe not.");
        using var op = silo.Operator("op-cancel");
        using (var cancel = await op.DeleteAsync($"/api/tenants/{cancelledByOperator}/termination"))
        {
            Assert.Equal(HttpStatusCode.OK, cancel.StatusCode);
        }
        using (var approve = await approver.PostAsJsonAsync($"/api/change-requests/{ChangeRequestId(second)}/approve", new { note = "too late" }))
        {
            var problem = await IsProblemAsync(approve, HttpStatusCode.Conflict);
            Assert.EndsWith("/already-decided", problem.GetProperty("type").GetString(), StringComparison.Ordinal);
        }
        using (var again = await op.DeleteAsync($"/api/tenants/{cancelledByOperator}/termination"))
        {
            var problem = await IsProblemAsync(again, HttpStatusCode.Conflict);
            Assert.Equal(TenantTerminationProblems.NotCancellableType, problem.GetProperty("type").GetString());
        }

        await WaitUntilDueAsync(Id(first));
        await WaitUntilDueAsync(Id(second));
        var executed = await silo.Service<TenantTerminationWorker>().RunOnceAsync();
        Assert.DoesNotContain(executed, t => t.TenantId == approvedThenCancelled || t.TenantId == cancelledByOperator);
        foreach (var (tenant, client) in new[] { (approvedThenCancelled, admin), (cancelledByOperator, otherAdmin) })
        {
            Assert.Equal("cancelled", (await GetTerminationAsync(client, tenant)).GetProperty("state").GetString());
            using var read = await client.GetAsync($"/api/tenants/{tenant}/records/notes/n-1");
            Assert.Equal(HttpStatusCode.OK, read.StatusCode);
            Assert.Equal(1, (await silo.Service<ITenantKeyProvider>().UnwrapAsync(tenant, 1)).Version);
        }
        var types = await AuditTypesAsync(approvedThenCancelled);
        Assert.Contains("tenant-data.termination-cancelled", types);
        Assert.DoesNotContain("tenant-data.terminated", types);

        // A cancelled request does not stand in the way of a new one.
        var renewed = await RequestAsync(admin, approvedThenCancelled, "Now for real.");
        Assert.NotEqual(Id(first), Id(renewed));
    }

    [Fact]
    public async Task RejectedApproval_ClosesTheTermination()
    {
        var tenant = await CreateTenantWithRecordAsync("rej", "kept");
        using var admin = silo.Admin(tenant, "admin-" + tenant);
        var requested = await RequestAsync(admin, tenant, "Please terminate.");
        using var approver = silo.Approver("ap-reject");
        using (var reject = await approver.PostAsJsonAsync($"/api/change-requests/{ChangeRequestId(requested)}/reject", new { note = "Unpaid invoices first." }))
        {
            Assert.Equal(HttpStatusCode.OK, reject.StatusCode);
        }
        await silo.Service<TenantTerminationWorker>().RunOnceAsync();
        var closed = await GetTerminationAsync(admin, tenant);
        Assert.Equal("cancelled", closed.GetProperty("state").GetString());
        Assert.Equal("ap-reject", closed.GetProperty("cancelledBy").GetString());
        Assert.Contains("Unpaid invoices first.", closed.GetProperty("cancelReason").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Execution_InterruptedHalfWay_IsFinishedOnce_BySeveralPollersAtOnce()
    {
        var tenant = await CreateTenantWithRecordAsync("intr", "kept");
        using var admin = silo.Admin(tenant, "admin-" + tenant);
        var requested = await RequestAsync(admin, tenant, "Interrupted execution test.");
        // Far in the future first, so that the background poller leaves it alone while the interruption is staged.
        await ExecuteSqlAsync(silo.PlatformConnectionString,
            "UPDATE platform.tenant_terminations SET execute_after = now() + interval '1 day' WHERE termination_id = $1", Id(requested));
        using var approver = silo.Approver("ap-intr");
        await ApproveAsync(approver, requested);
        // A silo claimed it, destroyed the key and died: the row says executing, the key is gone, the schema is still there.
        await ExecuteSqlAsync(silo.PlatformConnectionString,
            "UPDATE platform.tenant_terminations SET execute_after = now(), state = 'executing', execution_started_at = now() WHERE termination_id = $1",
            Id(requested));
        await silo.Service<TenantKeyManager>().DestroyAllAsync(tenant, "platform");

        // Three pollers at once (as three silos would): it is executed exactly once.
        var worker = silo.Service<TenantTerminationWorker>();
        await Task.WhenAll(worker.RunOnceAsync(), worker.RunOnceAsync(), worker.RunOnceAsync());
        var done = await WaitForStateAsync(tenant, "executed");
        Assert.Equal(new[] { 1 }, done.GetProperty("evidence").GetProperty("keyVersionsDestroyed").EnumerateArray().Select(v => v.GetInt32()).ToArray());
        Assert.Equal(1L, done.GetProperty("evidence").GetProperty("droppedRows").GetProperty("records").GetInt64());
        Assert.Equal(1, (await AuditTypesAsync(tenant)).Count(t => t == "tenant-data.terminated"));
        await using var region = NpgsqlDataSource.Create(silo.RegionConnectionString(Region));
        Assert.Equal(0L, await ScalarAsync<long>(region, "SELECT count(*) FROM information_schema.schemata WHERE schema_name = $1", TenantSchemas.NameOf(tenant)));
    }

    [Fact]
    public async Task BadRequests_AreProblems_AndChangeNothing()
    {
        var tenant = await CreateTenantWithRecordAsync("bad", "kept");
        using var admin = silo.Admin(tenant, "admin-" + tenant);
        using (var wrongConfirmation = await admin.PostAsJsonAsync($"/api/tenants/{tenant}/termination", new { reason = "x", confirmTenantId = tenant + "x" }))
        {
            var problem = await IsProblemAsync(wrongConfirmation, HttpStatusCode.BadRequest);
            Assert.True(problem.GetProperty("errors").TryGetProperty("confirmTenantId", out _));
        }
        using (var noReason = await admin.PostAsJsonAsync($"/api/tenants/{tenant}/termination", new { confirmTenantId = tenant }))
        {
            var problem = await IsProblemAsync(noReason, HttpStatusCode.BadRequest);
            Assert.True(problem.GetProperty("errors").TryGetProperty("reason", out _));
        }
        using (var unknownField = await admin.PostAsync($"/api/tenants/{tenant}/termination",
            Json($$"""{"reason":"x","confirmTenantId":"{{tenant}}","now":true}""")))
        {
            await IsProblemAsync(unknownField, HttpStatusCode.BadRequest);
        }
        using (var notJson = await admin.PostAsync($"/api/tenants/{tenant}/termination", Json("{not json")))
        {
            await IsProblemAsync(notJson, HttpStatusCode.BadRequest);
        }
        using (var wrongType = await admin.PostAsync($"/api/tenants/{tenant}/termination", new StringContent("reason=x", Encoding.UTF8, "text/plain")))
        {
            await IsProblemAsync(wrongType, HttpStatusCode.UnsupportedMediaType);
        }
        using (var none = await admin.GetAsync($"/api/tenants/{tenant}/termination"))
        {
            await IsProblemAsync(none, HttpStatusCode.NotFound);
        }
        using (var nothingToCancel = await admin.DeleteAsync($"/api/tenants/{tenant}/termination"))
        {
            await IsProblemAsync(nothingToCancel, HttpStatusCode.NotFound);
        }
        // Not through the generic change-request endpoint: only the tenant's admin asks, with the typed confirmation.
        using var op = silo.Operator("op-generic");
        using (var generic = await op.PostAsJsonAsync("/api/change-requests", new { kind = "tenant-termination", tenantId = tenant, reason = "Via the back door." }))
        {
            var problem = await IsProblemAsync(generic, HttpStatusCode.BadRequest);
            Assert.True(problem.GetProperty("errors").TryGetProperty("kind", out _));
        }

        await RequestAsync(admin, tenant, "Once.");
        using (var twice = await admin.PostAsJsonAsync($"/api/tenants/{tenant}/termination", new { reason = "Twice.", confirmTenantId = tenant }))
        {
            var problem = await IsProblemAsync(twice, HttpStatusCode.Conflict);
            Assert.Equal(TenantTerminationProblems.ExistsType, problem.GetProperty("type").GetString());
        }
        await using var platform = NpgsqlDataSource.Create(silo.PlatformConnectionString);
        Assert.Equal(1L, await ScalarAsync<long>(platform, "SELECT count(*) FROM platform.tenant_terminations WHERE tenant_id = $1", tenant));
        Assert.Equal(1L, await ScalarAsync<long>(platform,
            "SELECT count(*) FROM platform.change_requests WHERE tenant_id = $1 AND kind = 'tenant-termination'", tenant));
    }

    private async Task<string> CreateTenantWithRecordAsync(string prefix, string text)
    {
        var id = TenantDataClient.NewTenantId(prefix);
        using (var op = silo.Operator())
        using (var created = await op.PostAsJsonAsync("/api/tenants", new { id, displayName = id, region = Region }))
        {
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        }
        using var admin = silo.Admin(id, "admin-" + id);
        await TenantDataClient.CreateCollectionAsync(admin, id, "notes");
        using var written = await TenantDataClient.PutRecordAsync(admin, id, "notes", "n-1", new { text });
        Assert.Equal(HttpStatusCode.Created, written.StatusCode);
        return id;
    }

    private static async Task<JsonElement> RequestAsync(HttpClient admin, string tenant, string reason)
    {
        using var response = await admin.PostAsJsonAsync($"/api/tenants/{tenant}/termination", new { reason, confirmTenantId = tenant });
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"expected 202, got {(int)response.StatusCode}: {text}");
        Assert.Equal($"/api/tenants/{tenant}/termination", response.Headers.Location?.OriginalString);
        return JsonSerializer.Deserialize<JsonElement>(text);
    }

    private static async Task<JsonElement> ApproveAsync(HttpClient approver, JsonElement termination)
    {
        using var response = await approver.PostAsJsonAsync($"/api/change-requests/{ChangeRequestId(termination)}/approve", new { note = "Contract checked." });
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"expected 200, got {(int)response.StatusCode}: {text}");
        return JsonSerializer.Deserialize<JsonElement>(text);
    }

    private static async Task<JsonElement> GetTerminationAsync(HttpClient client, string tenant) =>
        await client.GetFromJsonAsync<JsonElement>($"/api/tenants/{tenant}/termination");

    /// <summary>Polls the termination until it reaches <paramref name="state"/> (bounded: a minute), as an operator.</summary>
    private async Task<JsonElement> WaitForStateAsync(string tenant, string state)
    {
        using var op = silo.Operator("op-watch");
        var deadline = DateTime.UtcNow.AddMinutes(1);
        JsonElement current;
        do
        {
            current = await GetTerminationAsync(op, tenant);
            if (current.GetProperty("state").GetString() == state)
            {
                return current;
            }
            await Task.Delay(200);
        }
        while (DateTime.UtcNow < deadline);
        Assert.Fail($"The termination of {tenant} did not become {state}: {current}");
        return current;
    }

    /// <summary>Waits until the database's clock is past the termination's grace period (bounded: a minute).</summary>
    private async Task WaitUntilDueAsync(Guid terminationId)
    {
        await using var platform = NpgsqlDataSource.Create(silo.PlatformConnectionString);
        var deadline = DateTime.UtcNow.AddMinutes(1);
        while (!await ScalarAsync<bool>(platform, "SELECT now() >= execute_after FROM platform.tenant_terminations WHERE termination_id = $1", terminationId))
        {
            Assert.True(DateTime.UtcNow < deadline, "The grace period did not end within a minute.");
            await Task.Delay(200);
        }
    }

    private async Task<byte[]> ReadCiphertextAsync(string tenant)
    {
        await using var region = NpgsqlDataSource.Create(silo.RegionConnectionString(Region));
        await using var command = region.CreateCommand($"SELECT payload FROM \"{TenantSchemas.NameOf(tenant)}\".records WHERE collection = 'notes' AND id = 'n-1'");
        return (byte[])(await command.ExecuteScalarAsync())!;
    }

    private async Task<List<string>> AuditTypesAsync(string tenant)
    {
        await using var platform = NpgsqlDataSource.Create(silo.PlatformConnectionString);
        await using var command = platform.CreateCommand("SELECT type FROM platform.audit_events WHERE tenant_id = $1 ORDER BY at, seq");
        command.Parameters.Add(new NpgsqlParameter { Value = tenant });
        var types = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            types.Add(reader.GetString(0));
        }
        return types;
    }

    private static Guid Id(JsonElement termination) => termination.GetProperty("id").GetGuid();

    private static Guid ChangeRequestId(JsonElement termination) => termination.GetProperty("changeRequestId").GetGuid();

    private static async Task<T> ScalarAsync<T>(NpgsqlDataSource source, string sql, params object[] parameters)
    {
        await using var command = source.CreateCommand(sql);
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = parameter });
        }
        return (T)(await command.ExecuteScalarAsync())!;
    }

    private static async Task ExecuteSqlAsync(string connectionString, string sql, params object[] parameters)
    {
        await using var source = NpgsqlDataSource.Create(connectionString);
        await using var command = source.CreateCommand(sql);
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = parameter });
        }
        await command.ExecuteNonQueryAsync();
    }
}
