using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Npgsql;
using static SaaSReference.Silo.Tests.ProblemAssert;

namespace SaaSReference.Silo.Tests;

/// <summary>Who may call the tenant API, how listing pages, and that the catalog catches up with the grains.</summary>
public sealed class TenantsAccessAndListTests(SiloApiFactory factory) : IClassFixture<SiloApiFactory>
{
    [Theory]
    [InlineData(null)]
    [InlineData("wrong-key")]
    [InlineData("test-operator-key-0123456789 ")]
    public async Task TenantRoutes_WithoutValidOperatorKey_Return401(string? key)
    {
        using var http = factory.CreateClient();
        if (key is not null)
        {
            http.DefaultRequestHeaders.Add("X-Operator-Key", key);
        }
        foreach (var request in new[] { "/api/tenants", "/api/tenants/some-tenant" })
        {
            using var response = await http.GetAsync(request);
            await IsProblemAsync(response, HttpStatusCode.Unauthorized);
        }
        using var create = await CreateAsync(http, "sneaky-tenant");
        await IsProblemAsync(create, HttpStatusCode.Unauthorized);

        using var operatorHttp = factory.CreateOperatorClient();
        using var read = await operatorHttp.GetAsync("/api/tenants/sneaky-tenant");
        await IsProblemAsync(read, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task TenantRoutes_Responses_AreNotCacheable()
    {
        // 6.2.1c: tenant data must not stay in client or proxy caches.
        using var http = factory.CreateOperatorClient();
        using var response = await http.GetAsync("/api/tenants");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(response.Headers.CacheControl?.NoStore, "Cache-Control: no-store is missing");
    }

    [Fact]
    public async Task UnknownRoute_Authenticated_Returns404Problem()
    {
        using var http = factory.CreateOperatorClient();
        using var response = await http.GetAsync("/api/nothing-here");
        await IsProblemAsync(response, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task List_Paging_ReturnsEveryTenantOnceInOrder()
    {
        using var http = factory.CreateOperatorClient();
        var prefix = "page-" + Guid.NewGuid().ToString("N")[..6];
        var ids = Enumerable.Range(0, 7).Select(i => $"{prefix}-{i}").ToList();
        foreach (var id in ids)
        {
            using var created = await CreateAsync(http, id);
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        }

        var seen = new List<string>();
        string? after = null;
        do
        {
            var page = await http.GetFromJsonAsync<JsonElement>($"/api/tenants?limit=3{(after is null ? "" : "&after=" + after)}");
            var items = page.GetProperty("items").EnumerateArray().Select(t => t.GetProperty("id").GetString()!).ToList();
            Assert.InRange(items.Count, 0, 3);
            seen.AddRange(items);
            after = page.GetProperty("nextAfter").GetString();
        }
        while (after is not null);

        Assert.Equal(seen.Distinct().Count(), seen.Count);
        Assert.Equal(seen.Order(StringComparer.Ordinal), seen);
        Assert.Superset(ids.ToHashSet(), seen.ToHashSet());
    }

    [Theory]
    [InlineData("limit=0")]
    [InlineData("limit=501")]
    [InlineData("limit=ten")]
    [InlineData("after=Not-An-Id")]
    public async Task List_BadQuery_Returns400(string query)
    {
        using var http = factory.CreateOperatorClient();
        using var response = await http.GetAsync($"/api/tenants?{query}");
        await IsProblemAsync(response, HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Create_CatalogUnavailable_TenantIsKeptAndCatalogCatchesUp()
    {
        using var http = factory.CreateOperatorClient();
        var id = "catalog-" + Guid.NewGuid().ToString("N")[..8];
        await using var db = NpgsqlDataSource.Create(factory.ConnectionString);
        await using (var hide = db.CreateCommand("ALTER TABLE platform.tenant_catalog RENAME TO tenant_catalog_hidden"))
        {
            await hide.ExecuteNonQueryAsync();
        }
        try
        {
            // The grain's state is durable before the catalog is touched: the create is acknowledged.
            using var created = await CreateAsync(http, id);
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        }
        finally
        {
            await using var restore = db.CreateCommand("ALTER TABLE platform.tenant_catalog_hidden RENAME TO tenant_catalog");
            await restore.ExecuteNonQueryAsync();
        }

        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync($"/api/tenants/{id}")).StatusCode);
        // The same create again is idempotent: it completes anything missing and answers the tenant as it is.
        using var again = await CreateAsync(http, id);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        var page = await http.GetFromJsonAsync<JsonElement>("/api/tenants?limit=500");
        Assert.Contains(page.GetProperty("items").EnumerateArray(), t => t.GetProperty("id").GetString() == id);
    }
}
