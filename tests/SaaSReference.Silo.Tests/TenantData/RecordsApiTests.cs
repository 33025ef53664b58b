using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Npgsql;
using SaaSReference.Silo.Tests.Security;
using static SaaSReference.Silo.Tests.ProblemAssert;
using static SaaSReference.Silo.Tests.TenantData.TenantDataClient;

namespace SaaSReference.Silo.Tests.TenantData;

/// <summary>
/// The records API over the tenant's own schema: classified collections (8.2.1), labels on every record (8.1.1b),
/// optimistic concurrency, paging and the one-field filter, encryption at rest (10.1.2b), and bad input that is answered
/// clearly and stores nothing.
/// </summary>
[Collection(SecuredSiloCollection.Name)]
public sealed class RecordsApiTests(SecuredSiloFactory factory)
{
    [Fact]
    public async Task Collections_AreClassified_Idempotent_AndOnlyAdminsCreateThem()
    {
        var tenant = await CreateTenantAsync(factory, "coll");
        using var admin = factory.CreateBearerClient(factory.Tokens.TenantAdmin(tenant));
        using var member = factory.CreateBearerClient(factory.Tokens.TenantUser(tenant));

        using (var created = await admin.PutAsJsonAsync($"/api/tenants/{tenant}/collections/patients", new { classification = "restricted", description = "clinic" }))
        {
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            var body = await ReadJsonAsync(created);
            Assert.Equal("restricted", body.GetProperty("classification").GetString());
            Assert.Equal(tenant, body.GetProperty("tenant").GetString());
        }
        using (var again = await admin.PutAsJsonAsync($"/api/tenants/{tenant}/collections/patients", new { classification = "restricted", description = "clinic" }))
        {
            Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        }
        using (var changed = await admin.PutAsJsonAsync($"/api/tenants/{tenant}/collections/patients", new { classification = "public", description = "clinic" }))
        {
            await IsProblemAsync(changed, HttpStatusCode.Conflict);
        }
        using (var unclassified = await admin.PutAsJsonAsync($"/api/tenants/{tenant}/collections/notes", new { description = "no label" }))
        {
            var problem = await IsProblemAsync(unclassified, HttpStatusCode.BadRequest);
            Assert.True(problem.GetProperty("errors").TryGetProperty("classification", out _));
        }
        using (var byMember = await member.PutAsJsonAsync($"/api/tenants/{tenant}/collections/notes", new { classification = "internal" }))
        {
            await IsProblemAsync(byMember, HttpStatusCode.Forbidden);
        }
        var list = await member.GetFromJsonAsync<JsonElement>($"/api/tenants/{tenant}/collections");
        Assert.Equal(["patients"], list.GetProperty("items").EnumerateArray().Select(c => c.GetProperty("name").GetString()!).ToArray());
    }

    [Fact]
    public async Task Record_CarriesLabels_AndVersionsGuardEveryWrite()
    {
        var tenant = await CreateTenantAsync(factory, "rec");
        using var admin = factory.CreateBearerClient(factory.Tokens.TenantAdmin(tenant));
        await CreateCollectionAsync(admin, tenant, "orders", "confidential");

        using (var created = await PutRecordAsync(admin, tenant, "orders", "o-1", new { status = "open", total = 12 }))
        {
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            Assert.Equal("\"1\"", created.Headers.ETag!.Tag);
            var body = await ReadJsonAsync(created);
            Assert.Equal(tenant, body.GetProperty("tenant").GetString());
            Assert.Equal("confidential", body.GetProperty("classification").GetString());
        }
        using (var replaced = await PutRecordAsync(admin, tenant, "orders", "o-1", new { status = "paid", total = 12 }, "\"1\""))
        {
            Assert.Equal(HttpStatusCode.OK, replaced.StatusCode);
            Assert.Equal("\"2\"", replaced.Headers.ETag!.Tag);
        }
        using (var stale = await PutRecordAsync(admin, tenant, "orders", "o-1", new { status = "lost" }, "\"1\""))
        {
            await IsProblemAsync(stale, HttpStatusCode.PreconditionFailed);
        }
        using (var createOnly = new HttpRequestMessage(HttpMethod.Put, $"/api/tenants/{tenant}/records/orders/o-1") { Content = JsonContent.Create(new { status = "dup" }) })
        {
            createOnly.Headers.TryAddWithoutValidation("If-None-Match", "*");
            using var refused = await admin.SendAsync(createOnly);
            await IsProblemAsync(refused, HttpStatusCode.PreconditionFailed);
        }
        using (var wrongDelete = new HttpRequestMessage(HttpMethod.Delete, $"/api/tenants/{tenant}/records/orders/o-1"))
        {
            wrongDelete.Headers.TryAddWithoutValidation("If-Match", "\"1\"");
            using var refused = await admin.SendAsync(wrongDelete);
            await IsProblemAsync(refused, HttpStatusCode.PreconditionFailed);
        }
        var stored = await admin.GetFromJsonAsync<JsonElement>($"/api/tenants/{tenant}/records/orders/o-1");
        Assert.Equal("paid", stored.GetProperty("data").GetProperty("status").GetString());
        Assert.Equal(2, stored.GetProperty("version").GetInt64());

        using (var delete = new HttpRequestMessage(HttpMethod.Delete, $"/api/tenants/{tenant}/records/orders/o-1"))
        {
            delete.Headers.TryAddWithoutValidation("If-Match", "\"2\"");
            using var deleted = await admin.SendAsync(delete);
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        }
        using var gone = await admin.GetAsync($"/api/tenants/{tenant}/records/orders/o-1");
        await IsProblemAsync(gone, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task ConcurrentConflictingWrites_ExactlyOneWins_NothingLost()
    {
        var tenant = await CreateTenantAsync(factory, "race");
        using var admin = factory.CreateBearerClient(factory.Tokens.TenantAdmin(tenant));
        await CreateCollectionAsync(admin, tenant, "counters");
        using (var first = await PutRecordAsync(admin, tenant, "counters", "c", new { value = 0 }))
        {
            Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        }

        var writers = Enumerable.Range(1, 12).Select(async i =>
        {
            using var response = await PutRecordAsync(admin, tenant, "counters", "c", new { value = i }, "\"1\"");
            return (response.StatusCode, Value: i);
        });
        var results = await Task.WhenAll(writers);
        var winners = results.Where(r => r.StatusCode == HttpStatusCode.OK).ToList();
        Assert.Single(winners);
        Assert.All(results.Where(r => r.StatusCode != HttpStatusCode.OK), r => Assert.Equal(HttpStatusCode.PreconditionFailed, r.StatusCode));

        var stored = await admin.GetFromJsonAsync<JsonElement>($"/api/tenants/{tenant}/records/counters/c");
        Assert.Equal(2, stored.GetProperty("version").GetInt64());
        Assert.Equal(winners[0].Value, stored.GetProperty("data").GetProperty("value").GetInt32());
    }

    [Fact]
    public async Task List_PagesInIdOrder_AndFiltersOnOneField()
    {
        var tenant = await CreateTenantAsync(factory, "page");
        using var member = factory.CreateBearerClient(factory.Tokens.TenantUser(tenant));
        using var admin = factory.CreateBearerClient(factory.Tokens.TenantAdmin(tenant));
        await CreateCollectionAsync(admin, tenant, "tickets", "internal");
        for (var i = 0; i < 23; i++)
        {
            using var put = await PutRecordAsync(member, tenant, "tickets", $"t-{i:D2}",
                new { status = i % 3 == 0 ? "open" : "closed", priority = i % 2, urgent = i % 5 == 0, nested = new { status = "open" } });
            Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        }

        var seen = new List<string>();
        string? after = null;
        var pages = 0;
        do
        {
            var page = await member.GetFromJsonAsync<JsonElement>($"/api/tenants/{tenant}/records/tickets?limit=10" + (after is null ? "" : $"&after={after}"));
            seen.AddRange(page.GetProperty("items").EnumerateArray().Select(r => r.GetProperty("id").GetString()!));
            after = page.GetProperty("nextAfter").ValueKind == JsonValueKind.Null ? null : page.GetProperty("nextAfter").GetString();
            pages++;
        }
        while (after is not null);
        Assert.Equal(3, pages);
        Assert.Equal(Enumerable.Range(0, 23).Select(i => $"t-{i:D2}").ToList(), seen);

        var open = await member.GetFromJsonAsync<JsonElement>($"/api/tenants/{tenant}/records/tickets?field=status&equals=open&limit=200");
        Assert.Equal(Enumerable.Range(0, 23).Where(i => i % 3 == 0).Select(i => $"t-{i:D2}"),
            open.GetProperty("items").EnumerateArray().Select(r => r.GetProperty("id").GetString()!));
        var odd = await member.GetFromJsonAsync<JsonElement>($"/api/tenants/{tenant}/records/tickets?field=priority&equals=1&limit=200");
        Assert.Equal(11, odd.GetProperty("items").GetArrayLength());
        var urgent = await member.GetFromJsonAsync<JsonElement>($"/api/tenants/{tenant}/records/tickets?field=urgent&equals=true&limit=2");
        Assert.Equal(["t-00", "t-05"], urgent.GetProperty("items").EnumerateArray().Select(r => r.GetProperty("id").GetString()!).ToArray());
        Assert.Equal("t-05", urgent.GetProperty("nextAfter").GetString());
        var none = await member.GetFromJsonAsync<JsonElement>($"/api/tenants/{tenant}/records/tickets?field=status&equals=archived");
        Assert.Equal(0, none.GetProperty("items").GetArrayLength());

        using var halfFilter = await member.GetAsync($"/api/tenants/{tenant}/records/tickets?field=status");
        await IsProblemAsync(halfFilter, HttpStatusCode.BadRequest);
        using var badLimit = await member.GetAsync($"/api/tenants/{tenant}/records/tickets?limit=0");
        await IsProblemAsync(badLimit, HttpStatusCode.BadRequest);
        using var unknown = await member.GetAsync($"/api/tenants/{tenant}/records/nothing-here");
        await IsProblemAsync(unknown, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task BadInput_IsAnsweredClearly_AndStoresNothing()
    {
        var tenant = await CreateTenantAsync(factory, "bad");
        using var admin = factory.CreateBearerClient(factory.Tokens.TenantAdmin(tenant));
        await CreateCollectionAsync(admin, tenant, "docs");

        using (var unknownCollection = await PutRecordAsync(admin, tenant, "no-such", "r1", new { a = 1 }))
        {
            var problem = await IsProblemAsync(unknownCollection, HttpStatusCode.NotFound);
            Assert.Equal("https://saasreference.local/problems/unknown-collection", problem.GetProperty("type").GetString());
        }
        using (var invalidJson = await admin.PutAsync($"/api/tenants/{tenant}/records/docs/r1", Json("{\"a\": ")))
        {
            await IsProblemAsync(invalidJson, HttpStatusCode.BadRequest);
        }
        using (var array = await admin.PutAsync($"/api/tenants/{tenant}/records/docs/r1", Json("[1,2,3]")))
        {
            await IsProblemAsync(array, HttpStatusCode.BadRequest);
        }
        using (var text = await admin.PutAsync($"/api/tenants/{tenant}/records/docs/r1", new StringContent("{\"a\":1}", Encoding.UTF8, "text/plain")))
        {
            await IsProblemAsync(text, HttpStatusCode.UnsupportedMediaType);
        }
        using (var huge = await admin.PutAsync($"/api/tenants/{tenant}/records/docs/r1", Json($"{{\"a\":\"{new string('x', 70 * 1024)}\"}}")))
        {
            await IsProblemAsync(huge, HttpStatusCode.RequestEntityTooLarge);
        }
        using (var badId = await PutRecordAsync(admin, tenant, "docs", "Bad..Id", new { a = 1 }))
        {
            await IsProblemAsync(badId, HttpStatusCode.BadRequest);
        }
        var list = await admin.GetFromJsonAsync<JsonElement>($"/api/tenants/{tenant}/records/docs");
        Assert.Equal(0, list.GetProperty("items").GetArrayLength());
        using var missing = await admin.GetAsync($"/api/tenants/{tenant}/records/no-such/r1");
        await IsProblemAsync(missing, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Records_AreEncryptedAtRest_InTheTenantsOwnSchema()
    {
        var tenant = await CreateTenantAsync(factory, "enc");
        var neighbour = await CreateTenantAsync(factory, "nbr");
        using var admin = factory.CreateBearerClient(factory.Tokens.TenantAdmin(tenant));
        await CreateCollectionAsync(admin, tenant, "secrets", "restricted");
        const string marker = "MARKER-0f3c9a-plaintext";
        using (var put = await PutRecordAsync(admin, tenant, "secrets", "s1", new { code = marker }))
        {
            Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        }

        await using var region = NpgsqlDataSource.Create(factory.RegionConnectionString("jp-east"));
        // 8.2.3a: the row lives in the tenant's schema, labelled with the tenant and the collection's classification.
        var schema = "t_" + tenant.Replace('-', '_');
        await using (var row = region.CreateCommand($"SELECT tenant_id, classification, payload, index_tokens FROM \"{schema}\".records WHERE id = 's1'"))
        await using (var reader = await row.ExecuteReaderAsync())
        {
            Assert.True(await reader.ReadAsync());
            Assert.Equal(tenant, reader.GetString(0));
            Assert.Equal("restricted", reader.GetString(1));
            var payload = reader.GetFieldValue<byte[]>(2);
            // 10.1.2b: ciphertext only; neither the value nor its index token reveals the marker.
            Assert.DoesNotContain(marker, Encoding.UTF8.GetString(payload), StringComparison.Ordinal);
            Assert.DoesNotContain(marker, Encoding.Latin1.GetString(payload), StringComparison.Ordinal);
            Assert.Single(reader.GetFieldValue<byte[][]>(3));
        }
        var neighbourSchema = "t_" + neighbour.Replace('-', '_');
        await using (var other = region.CreateCommand($"SELECT count(*) FROM \"{neighbourSchema}\".records"))
        {
            Assert.Equal(0L, await other.ExecuteScalarAsync());
        }
        // 8.1.1a: the platform database holds no entrusted data.
        await using var platform = NpgsqlDataSource.Create(factory.ConnectionString);
        await using var tables = platform.CreateCommand("SELECT count(*) FROM information_schema.tables WHERE table_schema LIKE 't\\_%' OR table_name = 'records'");
        Assert.Equal(0L, await tables.ExecuteScalarAsync());
    }
}
