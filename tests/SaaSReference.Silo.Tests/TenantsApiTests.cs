using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using static SaaSReference.Silo.Tests.ProblemAssert;

namespace SaaSReference.Silo.Tests;

/// <summary>The tenant API on a real silo: what it accepts, and how every kind of bad input is refused without writing anything.</summary>
public sealed class TenantsApiTests(SiloApiFactory factory) : IClassFixture<SiloApiFactory>
{
    private static string NewId(string prefix = "t") => $"{prefix}-{Guid.NewGuid():N}"[..20];

    [Fact]
    public async Task Create_ValidTenant_Returns201AndIsReadable()
    {
        using var http = factory.CreateOperatorClient();
        var id = NewId();
        using var created = await CreateAsync(http, id, "  Acme Corp  ");
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal($"/api/tenants/{id}", created.Headers.Location?.OriginalString);

        var tenant = await http.GetFromJsonAsync<JsonElement>($"/api/tenants/{id}");
        Assert.Equal(id, tenant.GetProperty("id").GetString());
        Assert.Equal("Acme Corp", tenant.GetProperty("displayName").GetString());
        Assert.Equal("active", tenant.GetProperty("status").GetString());
        Assert.Equal("bootstrap-operator", tenant.GetProperty("createdBy").GetString());
    }

    [Fact]
    public async Task Create_Duplicate_Returns409AndKeepsTheOriginal()
    {
        using var http = factory.CreateOperatorClient();
        var id = NewId();
        using (var first = await CreateAsync(http, id, "Original"))
        {
            Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        }
        using var second = await CreateAsync(http, id, "Impostor");
        await IsProblemAsync(second, HttpStatusCode.Conflict);
        var tenant = await http.GetFromJsonAsync<JsonElement>($"/api/tenants/{id}");
        Assert.Equal("Original", tenant.GetProperty("displayName").GetString());
    }

    [Theory]
    [InlineData("ab")]
    [InlineData("Upper-case")]
    [InlineData("-leading")]
    [InlineData("trailing-")]
    [InlineData("under_score")]
    [InlineData("1starts-with-digit")]
    [InlineData("dots.and.slashes/..")]
    [InlineData("x234567890123456789012345678901234567890123456789012345678901234")]
    public async Task Create_MalformedId_Returns400AndWritesNothing(string id)
    {
        using var http = factory.CreateOperatorClient();
        using var response = await CreateAsync(http, id);
        var problem = await IsProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty("id", out _));
        await AssertNotListedAsync(http, id);
    }

    [Theory]
    [InlineData("""{"id":"unknown-field","displayName":"A","plan":"gold"}""", "plan")]
    [InlineData("""{"id":"bad-json","displayName":""", "")]
    [InlineData("""{"id":"missing-name"}""", "displayName")]
    [InlineData("""{"id":"null-name","displayName":null}""", "displayName")]
    [InlineData("""{"id":"dup-member","displayName":"A","displayName":"B"}""", "")]
    [InlineData("""["not","an","object"]""", "")]
    [InlineData("""{"id":12345,"displayName":"numbers"}""", "")]
    public async Task Create_InvalidBody_Returns400WithReason(string body, string mentioned)
    {
        using var http = factory.CreateOperatorClient();
        using var response = await http.PostAsync("/api/tenants", Json(body));
        var problem = await IsProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Contains(mentioned, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        await AssertNotListedAsync(http, "unknown-field");
    }

    [Fact]
    public async Task Create_BlankOrControlCharacterName_Returns400()
    {
        using var http = factory.CreateOperatorClient();
        foreach (var name in new[] { "   ", "tab\there", new string('n', 201) })
        {
            using var response = await CreateAsync(http, NewId(), name);
            var problem = await IsProblemAsync(response, HttpStatusCode.BadRequest);
            Assert.True(problem.GetProperty("errors").TryGetProperty("displayName", out _));
        }
    }

    [Fact]
    public async Task Create_WrongContentType_Returns415()
    {
        using var http = factory.CreateOperatorClient();
        using var response = await http.PostAsync("/api/tenants", new StringContent("""{"id":"plain-text","displayName":"A"}"""));
        await IsProblemAsync(response, HttpStatusCode.UnsupportedMediaType);
    }

    [Fact]
    public async Task Create_OversizedBody_Returns413AndWritesNothing()
    {
        using var http = factory.CreateOperatorClient();
        var id = NewId("big");
        var body = JsonSerializer.Serialize(new { id, displayName = new string('x', 20_000) });
        using var response = await http.PostAsync("/api/tenants", Json(body));
        await IsProblemAsync(response, HttpStatusCode.RequestEntityTooLarge);
        using var read = await http.GetAsync($"/api/tenants/{id}");
        await IsProblemAsync(read, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Get_MalformedOrUnknownId_Returns400Or404()
    {
        using var http = factory.CreateOperatorClient();
        using var malformed = await http.GetAsync("/api/tenants/NOT_AN_ID");
        await IsProblemAsync(malformed, HttpStatusCode.BadRequest);
        using var unknown = await http.GetAsync($"/api/tenants/{NewId("nobody")}");
        await IsProblemAsync(unknown, HttpStatusCode.NotFound);
    }

    private static async Task AssertNotListedAsync(HttpClient http, string id)
    {
        var page = await http.GetFromJsonAsync<JsonElement>("/api/tenants?limit=500");
        Assert.DoesNotContain(page.GetProperty("items").EnumerateArray(), t => t.GetProperty("id").GetString() == id);
    }
}
