using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using SaaSReference.Identity.Tests.Infrastructure;
using static SaaSReference.Identity.Tests.AccessReview.AccessReviewClient;

namespace SaaSReference.Identity.Tests.AccessReview;

/// <summary>
/// The query: paging walks every user once, in order, with a cursor valid for its own scope only; a bad parameter is a
/// problem naming it, and nothing is recorded.
/// </summary>
public sealed partial class AccessReviewApiTests
{
    [Fact]
    public async Task AccessReview_Paging_WalksEveryUserOnceInOrder_WithTheSameSummary()
    {
        var tenant = TenantLimits.NewTenant("ar");
        var created = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            created.Add((await TestUsers.CreateAsync(Identity, tenant)).Email!);
        }
        var (http, token, operatorId) = await SignInAsync(Identity, TestSeed.Operator);

        var seen = new List<string>();
        var pages = 0;
        string? cursor = null;
        do
        {
            using var response = await GetAsync(http, token, $"tenant={tenant}&limit=2" + (cursor is null ? "" : "&cursor=" + cursor));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var page = await response.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal(5, page.GetProperty("summary").GetProperty("users").GetInt32());
            Assert.InRange(page.GetProperty("users").GetArrayLength(), 1, 2);
            seen.AddRange(page.GetProperty("users").EnumerateArray().Select(u => u.GetProperty("userName").GetString()!));
            cursor = page.GetProperty("nextCursor").GetString();
            pages++;
        }
        while (cursor is not null && pages < 10);

        Assert.Equal(3, pages);
        Assert.Equal(created.Order(StringComparer.Ordinal), seen);
        var records = (await RecordsAsync(environment.ConnectionString, operatorId)).Where(r => r.Fields["scope"] == "tenant:" + tenant).ToList();
        Assert.Equal(["first", "next", "next"], records.Select(r => r.Fields["page"]));
        Assert.Equal(["2", "2", "1"], records.Select(r => r.Fields["returned"]));
    }

    [Fact]
    public async Task AccessReview_CursorOfAnotherScope_IsRefused()
    {
        var tenant = TenantLimits.NewTenant("ar");
        for (var i = 0; i < 2; i++)
        {
            await TestUsers.CreateAsync(Identity, tenant);
        }
        var (http, token, _) = await SignInAsync(Identity, TestSeed.Operator);
        using var first = await GetAsync(http, token, $"tenant={tenant}&limit=1");
        var cursor = (await first.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("nextCursor").GetString();
        Assert.NotNull(cursor);

        using var elsewhere = await GetAsync(http, token, "tenant=acme&cursor=" + cursor);

        var problem = await ProblemAssert.IsProblemAsync(elsewhere, HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty("cursor", out _), problem.ToString());
    }

    [Theory]
    [InlineData("", "tenant")]
    [InlineData("tenant=acme&foo=1", "foo")]
    [InlineData("Tenant=acme", "Tenant")]
    [InlineData("tenant=acme&tenant=globex", "tenant")]
    [InlineData("tenant=Acme", "tenant")]
    [InlineData("tenant=", "tenant")]
    [InlineData("tenant=acme_corp", "tenant")]
    [InlineData("scope=everyone", "scope")]
    [InlineData("scope=staff&tenant=acme", "tenant")]
    [InlineData("tenant=acme&staleAfterDays=0", "staleAfterDays")]
    [InlineData("tenant=acme&staleAfterDays=3651", "staleAfterDays")]
    [InlineData("tenant=acme&staleAfterDays=-5", "staleAfterDays")]
    [InlineData("tenant=acme&staleAfterDays=ninety", "staleAfterDays")]
    [InlineData("tenant=acme&staleAfterDays=90&staleAfterDays=30", "staleAfterDays")]
    [InlineData("tenant=acme&limit=0", "limit")]
    [InlineData("tenant=acme&limit=501", "limit")]
    [InlineData("tenant=acme&limit=1.5", "limit")]
    [InlineData("tenant=acme&cursor=not-a-cursor", "cursor")]
    [InlineData("tenant=acme&cursor=", "cursor")]
    [InlineData("tenant=acme&cursor=WzEsMiwzXQ", "cursor")]
    public async Task AccessReview_BadParameter_IsAProblemNamingItAndNothingIsRecorded(string query, string parameter)
    {
        var (http, token, operatorId) = await SignInAsync(Identity, TestSeed.Operator);
        var before = (await RecordsAsync(environment.ConnectionString, operatorId)).Count;

        using var response = await GetAsync(http, token, query);

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Equal("https://saasreference.local/problems/invalid-query", problem.GetProperty("type").GetString());
        Assert.True(problem.GetProperty("errors").TryGetProperty(parameter, out _), problem.ToString());
        Assert.Contains(parameter, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
        Assert.Equal(before, (await RecordsAsync(environment.ConnectionString, operatorId)).Count);
    }
}
