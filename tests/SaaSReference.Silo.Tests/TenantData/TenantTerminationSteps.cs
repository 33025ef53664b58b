using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Npgsql;
using SaaSReference.Testing;

namespace SaaSReference.Silo.Tests.TenantData;

/// <summary>Tenants, requests, approvals and waits the tenant termination tests share (all in <see cref="Region"/>).</summary>
internal static class TenantTerminationSteps
{
    public const string Region = "jp-west";

    public static async Task<string> CreateTenantWithRecordAsync(TerminationSilo silo, string prefix, string text)
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

    public static async Task<JsonElement> RequestAsync(HttpClient admin, string tenant, string reason)
    {
        using var response = await admin.PostAsJsonAsync($"/api/tenants/{tenant}/termination", new { reason, confirmTenantId = tenant });
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"expected 202, got {(int)response.StatusCode}: {text}");
        Assert.Equal($"/api/tenants/{tenant}/termination", response.Headers.Location?.OriginalString);
        return JsonSerializer.Deserialize<JsonElement>(text);
    }

    public static async Task<JsonElement> ApproveAsync(HttpClient approver, JsonElement termination)
    {
        using var response = await approver.PostAsJsonAsync($"/api/change-requests/{ChangeRequestId(termination)}/approve", new { note = "Contract checked." });
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"expected 200, got {(int)response.StatusCode}: {text}");
        return JsonSerializer.Deserialize<JsonElement>(text);
    }

    public static async Task<JsonElement> GetTerminationAsync(HttpClient client, string tenant) =>
        await client.GetFromJsonAsync<JsonElement>($"/api/tenants/{tenant}/termination");

    /// <summary>Polls the termination until it reaches <paramref name="state"/> (bounded: a minute), as an operator.</summary>
    public static async Task<JsonElement> WaitForStateAsync(TerminationSilo silo, string tenant, string state)
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
    public static async Task WaitUntilDueAsync(TerminationSilo silo, Guid terminationId)
    {
        await using var platform = NpgsqlDataSource.Create(silo.PlatformConnectionString);
        var deadline = DateTime.UtcNow.AddMinutes(1);
        while (!await ScalarAsync<bool>(platform, "SELECT now() >= execute_after FROM platform.tenant_terminations WHERE termination_id = $1", terminationId))
        {
            Assert.True(DateTime.UtcNow < deadline, "The grace period did not end within a minute.");
            await Task.Delay(200);
        }
    }

    public static async Task<List<string>> AuditTypesAsync(TerminationSilo silo, string tenant)
    {
        await using var platform = NpgsqlDataSource.Create(silo.PlatformConnectionString);
        await using var command = platform.CreateCommand("SELECT type FROM platform.audit_events WHERE tenant_id = $1 ORDER BY at, seq");
        command.Parameters.Add(new NpgsqlParameter { Value = tenant });
        return await SqlColumn.ReadAsync<string>(command);
    }

    public static Guid Id(JsonElement termination) => termination.GetProperty("id").GetGuid();

    public static Guid ChangeRequestId(JsonElement termination) => termination.GetProperty("changeRequestId").GetGuid();

    public static async Task<T> ScalarAsync<T>(NpgsqlDataSource source, string sql, params object[] parameters)
    {
        await using var command = source.CreateCommand(sql);
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = parameter });
        }
        return (T)(await command.ExecuteScalarAsync())!;
    }

    public static async Task ExecuteSqlAsync(string connectionString, string sql, params object[] parameters)
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
