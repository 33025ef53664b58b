using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Npgsql;
using SaaSReference.Silo.Tests.Security;
using static SaaSReference.Silo.Tests.ProblemAssert;
using static SaaSReference.Silo.Tests.TenantData.TenantDataClient;

namespace SaaSReference.Silo.Tests.TenantData;

/// <summary>
/// 16.1.7e: a tenant chooses its region at creation; its data lives only in that region's database, in a schema of its
/// own labelled with tenant, region and classification (8.1.1b), and the region never changes.
/// </summary>
[Collection(SecuredSiloCollection.Name)]
public sealed class ResidencyTests(SecuredSiloFactory factory)
{
    private async Task<bool> SchemaExistsAsync(string region, string tenant)
    {
        await using var source = NpgsqlDataSource.Create(factory.RegionConnectionString(region));
        await using var command = source.CreateCommand("SELECT count(*) FROM information_schema.schemata WHERE schema_name = $1");
        command.Parameters.Add(new() { Value = "t_" + tenant.Replace('-', '_') });
        return (long)(await command.ExecuteScalarAsync())! == 1;
    }

    [Fact]
    public async Task TenantInJpWest_IsStoredOnlyInJpWest_WithItsLabels()
    {
        var tenant = await CreateTenantAsync(factory, "west", "jp-west");
        using var admin = factory.CreateBearerClient(factory.Tokens.TenantAdmin(tenant));
        var shown = await admin.GetFromJsonAsync<JsonElement>($"/api/tenants/{tenant}");
        Assert.Equal("jp-west", shown.GetProperty("region").GetString());
        await CreateCollectionAsync(admin, tenant, "ledger");
        using (var put = await PutRecordAsync(admin, tenant, "ledger", "e1", new { amount = 5 }))
        {
            Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        }

        Assert.True(await SchemaExistsAsync("jp-west", tenant));
        Assert.False(await SchemaExistsAsync("jp-east", tenant));

        await using var west = NpgsqlDataSource.Create(factory.RegionConnectionString("jp-west"));
        await using (var labels = west.CreateCommand($"SELECT key, value FROM \"t_{tenant.Replace('-', '_')}\".labels ORDER BY key"))
        await using (var reader = await labels.ExecuteReaderAsync())
        {
            var found = new Dictionary<string, string>();
            while (await reader.ReadAsync())
            {
                found[reader.GetString(0)] = reader.GetString(1);
            }
            Assert.Equal("customer-entrusted", found["classification"]);
            Assert.Equal("jp-west", found["region"]);
            Assert.Equal(tenant, found["tenant"]);
        }
        await using (var comment = west.CreateCommand("SELECT obj_description(oid, 'pg_namespace') FROM pg_namespace WHERE nspname = $1"))
        {
            comment.Parameters.Add(new() { Value = "t_" + tenant.Replace('-', '_') });
            var labels = JsonDocument.Parse((string)(await comment.ExecuteScalarAsync())!).RootElement;
            Assert.Equal(tenant, labels.GetProperty("tenant").GetString());
        }
    }

    [Fact]
    public async Task UnknownRegion_IsRefused_AndTheRegionNeverChanges()
    {
        using var operatorHttp = factory.CreateBearerClient(factory.Tokens.Operator());
        var id = NewTenantId("nowhere");
        using (var refused = await operatorHttp.PostAsJsonAsync("/api/tenants", new { id, displayName = id, region = "us-east" }))
        {
            var problem = await IsProblemAsync(refused, HttpStatusCode.BadRequest);
            Assert.Contains("jp-east", problem.GetProperty("errors").GetProperty("region")[0].GetString(), StringComparison.Ordinal);
        }
        using (var missing = await operatorHttp.GetAsync($"/api/tenants/{id}"))
        {
            await IsProblemAsync(missing, HttpStatusCode.NotFound);
        }

        var tenant = await CreateTenantAsync(factory, "east", "jp-east");
        using (var again = await operatorHttp.PostAsJsonAsync("/api/tenants", new { id = tenant, displayName = tenant, region = "jp-east" }))
        {
            Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        }
        using (var moved = await operatorHttp.PostAsJsonAsync("/api/tenants", new { id = tenant, displayName = tenant, region = "jp-west" }))
        {
            await IsProblemAsync(moved, HttpStatusCode.Conflict);
        }
        Assert.True(await SchemaExistsAsync("jp-east", tenant));
        Assert.False(await SchemaExistsAsync("jp-west", tenant));
    }
}
