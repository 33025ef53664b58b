using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Npgsql;
using SaaSReference.Silo.Tests.Security;
using static SaaSReference.Silo.Tests.ProblemAssert;
using static SaaSReference.Silo.Tests.TenantData.TenantDataClient;

namespace SaaSReference.Silo.Tests.TenantData;

/// <summary>
/// Files in the tenant's own schema: streamed in encrypted chunks (10.1.2b), labelled (8.1.1b), counted against the
/// storage quota (12.1.3b), guarded by versions; oversized, mistyped or conflicting uploads store nothing and leave the
/// previous content intact.
/// </summary>
[Collection(SecuredSiloCollection.Name)]
public sealed class FilesApiTests(SecuredSiloFactory factory)
{
    private static byte[] RandomBytes(int length)
    {
        var bytes = new byte[length];
        RandomNumberGenerator.Fill(bytes);
        return bytes;
    }

    private static HttpRequestMessage Upload(string tenant, string collection, string id, HttpContent content, string? ifMatch = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Put, $"/api/tenants/{tenant}/files/{collection}/{id}") { Content = content };
        if (ifMatch is not null)
        {
            request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        }
        return request;
    }

    private static ByteArrayContent Binary(byte[] bytes, string type = "application/octet-stream")
    {
        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new MediaTypeHeaderValue(type);
        return content;
    }

    /// <summary>A body without Content-Length (chunked), as a client streaming a file of unknown size sends it.</summary>
    private static StreamContent Streamed(byte[] bytes, string type = "application/octet-stream")
    {
        var content = new StreamContent(new UnknownLengthStream(bytes));
        content.Headers.ContentType = new MediaTypeHeaderValue(type);
        return content;
    }

    private async Task<(string Tenant, HttpClient Admin)> TenantWithCollectionAsync(string prefix)
    {
        var tenant = await CreateTenantAsync(factory, prefix);
        var admin = factory.CreateBearerClient(factory.Tokens.TenantAdmin(tenant));
        await CreateCollectionAsync(admin, tenant, "docs", "confidential");
        return (tenant, admin);
    }

    private async Task<long> StoredBytesAsync(HttpClient http, string tenant) =>
        (await http.GetFromJsonAsync<JsonElement>($"/api/tenants/{tenant}/usage")).GetProperty("storedBytes").GetInt64();

    private async Task<long> ChunkRowsAsync(string tenant)
    {
        await using var region = NpgsqlDataSource.Create(factory.RegionConnectionString("jp-east"));
        await using var count = region.CreateCommand($"SELECT count(*) FROM \"t_{tenant.Replace('-', '_')}\".file_chunks");
        return (long)(await count.ExecuteScalarAsync())!;
    }

    [Fact]
    public async Task Upload_StreamsInChunks_DownloadsIdentically_WithLabelsAndSafeHeaders()
    {
        var (tenant, admin) = await TenantWithCollectionAsync("file");
        using var _ = admin;
        var bytes = RandomBytes(200_000);
        var content = Streamed(bytes, "application/pdf");
        content.Headers.ContentDisposition = new ContentDispositionHeaderValue("attachment") { FileName = "\"report.pdf\"" };
        using (var upload = Upload(tenant, "docs", "report.pdf", content))
        using (var created = await admin.SendAsync(upload))
        {
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            var body = await ReadJsonAsync(created);
            Assert.Equal(200_000, body.GetProperty("sizeBytes").GetInt64());
            Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(bytes)), body.GetProperty("sha256").GetString());
            Assert.Equal(tenant, body.GetProperty("tenant").GetString());
            Assert.Equal("confidential", body.GetProperty("classification").GetString());
            Assert.Equal("report.pdf", body.GetProperty("fileName").GetString());
        }
        // 200,000 bytes are four chunks of at most 64 KiB.
        Assert.Equal(4, await ChunkRowsAsync(tenant));

        using var download = await admin.GetAsync($"/api/tenants/{tenant}/files/docs/report.pdf");
        Assert.Equal(HttpStatusCode.OK, download.StatusCode);
        Assert.Equal(bytes, await download.Content.ReadAsByteArrayAsync());
        Assert.Equal("application/pdf", download.Content.Headers.ContentType!.MediaType);
        Assert.Equal("attachment", download.Content.Headers.ContentDisposition!.DispositionType);
        Assert.Equal("nosniff", download.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal("\"1\"", download.Headers.ETag!.Tag);

        var list = await admin.GetFromJsonAsync<JsonElement>($"/api/tenants/{tenant}/files/docs");
        Assert.Equal("report.pdf", list.GetProperty("items")[0].GetProperty("id").GetString());
        Assert.Equal(200_000L, await StoredBytesAsync(admin, tenant));

        using (var deleted = await admin.DeleteAsync($"/api/tenants/{tenant}/files/docs/report.pdf"))
        {
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        }
        Assert.Equal(0, await ChunkRowsAsync(tenant));
        Assert.Equal(0L, await StoredBytesAsync(admin, tenant));
        using var gone = await admin.GetAsync($"/api/tenants/{tenant}/files/docs/report.pdf");
        await IsProblemAsync(gone, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Oversized_Files_AreRefused_AndLeaveThePreviousContentAndNoChunks()
    {
        var (tenant, admin) = await TenantWithCollectionAsync("big");
        using var _ = admin;
        var original = RandomBytes(100_000);
        using (var first = await admin.SendAsync(Upload(tenant, "docs", "a.bin", Binary(original))))
        {
            Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        }
        var tooBig = RandomBytes((int)SecuredSiloFactory.MaxFileBytes + 1);
        // Declared length: refused before reading. Unknown length: refused while streaming, after the limit.
        using (var declared = await admin.SendAsync(Upload(tenant, "docs", "a.bin", Binary(tooBig))))
        {
            await IsProblemAsync(declared, HttpStatusCode.RequestEntityTooLarge);
        }
        using (var streamed = await admin.SendAsync(Upload(tenant, "docs", "a.bin", Streamed(tooBig))))
        {
            await IsProblemAsync(streamed, HttpStatusCode.RequestEntityTooLarge);
        }
        using var download = await admin.GetAsync($"/api/tenants/{tenant}/files/docs/a.bin");
        Assert.Equal(original, await download.Content.ReadAsByteArrayAsync());
        Assert.Equal(2, await ChunkRowsAsync(tenant));
        Assert.Equal(100_000L, await StoredBytesAsync(admin, tenant));
    }

    [Fact]
    public async Task Replace_NeedsTheCurrentVersion_AndAStaleOneStoresNothing()
    {
        var (tenant, admin) = await TenantWithCollectionAsync("ver");
        using var _ = admin;
        var v1 = RandomBytes(70_000);
        var v2 = RandomBytes(10_000);
        using (var created = await admin.SendAsync(Upload(tenant, "docs", "f", Binary(v1))))
        {
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        }
        using (var replaced = await admin.SendAsync(Upload(tenant, "docs", "f", Binary(v2), "\"1\"")))
        {
            Assert.Equal(HttpStatusCode.OK, replaced.StatusCode);
            Assert.Equal("\"2\"", replaced.Headers.ETag!.Tag);
        }
        using (var stale = await admin.SendAsync(Upload(tenant, "docs", "f", Binary(RandomBytes(5_000)), "\"1\"")))
        {
            await IsProblemAsync(stale, HttpStatusCode.PreconditionFailed);
        }
        using var download = await admin.GetAsync($"/api/tenants/{tenant}/files/docs/f");
        Assert.Equal(v2, await download.Content.ReadAsByteArrayAsync());
        // The replaced content's chunks and the refused upload's are gone: one chunk of v2 is left.
        Assert.Equal(1, await ChunkRowsAsync(tenant));
        Assert.Equal(10_000L, await StoredBytesAsync(admin, tenant));
    }

    [Fact]
    public async Task BadUploads_GetClearProblems_AndStoreNothing()
    {
        var (tenant, admin) = await TenantWithCollectionAsync("badf");
        using var _ = admin;
        using (var unknown = await admin.SendAsync(Upload(tenant, "nowhere", "f", Binary(RandomBytes(10)))))
        {
            var problem = await IsProblemAsync(unknown, HttpStatusCode.NotFound);
            Assert.Equal("https://saasreference.local/problems/unknown-collection", problem.GetProperty("type").GetString());
        }
        var form = new MultipartFormDataContent { { Binary(RandomBytes(10)), "file", "f.bin" } };
        using (var multipart = await admin.SendAsync(Upload(tenant, "docs", "f", form)))
        {
            await IsProblemAsync(multipart, HttpStatusCode.UnsupportedMediaType);
        }
        var untyped = new ByteArrayContent(RandomBytes(10));
        using (var noType = await admin.SendAsync(Upload(tenant, "docs", "f", untyped)))
        {
            await IsProblemAsync(noType, HttpStatusCode.UnsupportedMediaType);
        }
        using (var badId = await admin.SendAsync(Upload(tenant, "docs", "..secret", Binary(RandomBytes(10)))))
        {
            await IsProblemAsync(badId, HttpStatusCode.BadRequest);
        }
        var list = await admin.GetFromJsonAsync<JsonElement>($"/api/tenants/{tenant}/files/docs");
        Assert.Equal(0, list.GetProperty("items").GetArrayLength());
        Assert.Equal(0, await ChunkRowsAsync(tenant));
    }

    [Fact]
    public async Task FileContent_IsEncryptedAtRest()
    {
        var (tenant, admin) = await TenantWithCollectionAsync("fenc");
        using var _ = admin;
        var marker = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("FILE-MARKER-5b2c ", 500)));
        using (var created = await admin.SendAsync(Upload(tenant, "docs", "notes.txt", Binary(marker, "text/plain"))))
        {
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        }
        await using var region = NpgsqlDataSource.Create(factory.RegionConnectionString("jp-east"));
        await using var rows = region.CreateCommand($"SELECT data FROM \"t_{tenant.Replace('-', '_')}\".file_chunks");
        await using var reader = await rows.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            Assert.DoesNotContain("FILE-MARKER", Encoding.Latin1.GetString(reader.GetFieldValue<byte[]>(0)), StringComparison.Ordinal);
        }
    }

    /// <summary>A readable stream that does not know its length, so HttpClient sends it chunked.</summary>
    private sealed class UnknownLengthStream(byte[] bytes) : MemoryStream(bytes)
    {
        public override bool CanSeek => false;
    }
}
