using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;
using Orleans.Core.Internal;
using SaaSReference.Contracts.TenantData;
using SaaSReference.Database.Audit;
using SaaSReference.Database.TenantData;
using SaaSReference.Database.TenantData.Keys;
using SaaSReference.Silo.Tests.Security;
using SaaSReference.Testing;
using SaaSReference.Silo.TenantData;
using static SaaSReference.Silo.Tests.ProblemAssert;
using static SaaSReference.Silo.Tests.TenantData.TenantKeysApiSteps;

namespace SaaSReference.Silo.Tests.TenantData;

/// <summary>
/// 10.1.2b: the customer's own key-management tool. A tenant admin rotates (the data is re-encrypted in the background by a
/// grain whose progress lives in the tenant's own schema, and survives the grain's deactivation), revokes and reinstates
/// the tenant's data key, each act audited; no answer ever carries key material.
/// </summary>
[Collection(SecuredSiloCollection.Name)]
public sealed class TenantKeysApiLifecycleTests(SecuredSiloFactory factory)
{
    private const string Collection = "notes";

    [Fact]
    public async Task TenantAdmin_RotatesRevokesReinstates_DataReencryptedInTheBackground_EveryActAudited_NoKeyMaterialShown()
    {
        var tenant = NewTenant("keys");
        var location = await CreateProvisionedTenantAsync(factory, tenant);
        var keyring = factory.Services.GetRequiredService<ITenantKeyring>();
        var v1 = await keyring.GetCurrentAsync(tenant);
        var source = factory.Services.GetRequiredService<TenantRegions>().DataSource(location.Region);
        var schema = "\"" + location.SchemaName + "\"";
        await SeedRecordsAsync(source, schema, tenant, v1, 5);
        using var admin = factory.CreateBearerClient(Admin(factory, tenant, "admin-keys"));

        var initial = await admin.GetFromJsonAsync<JsonElement>($"/api/tenants/{tenant}/keys");
        Assert.Equal(("active", 1), (initial.GetProperty("state").GetString(), initial.GetProperty("currentVersion").GetInt32()));
        Assert.Equal(JsonValueKind.Null, initial.GetProperty("rotation").ValueKind);

        using var rotate = await admin.PostAsync($"/api/tenants/{tenant}/keys/rotate", null);
        Assert.Equal(HttpStatusCode.Accepted, rotate.StatusCode);
        var rotated = await rotate.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(2, rotated.GetProperty("currentVersion").GetInt32());
        Assert.Equal(["1:retired", "2:active"], rotated.GetProperty("versions").EnumerateArray()
            .Select(v => $"{v.GetProperty("version").GetInt32()}:{v.GetProperty("state").GetString()}"));
        Assert.Equal(2, rotated.GetProperty("rotation").GetProperty("targetVersion").GetInt32());

        var completed = await EventuallyAsync(async () =>
        {
            var keys = await admin.GetFromJsonAsync<JsonElement>($"/api/tenants/{tenant}/keys");
            return keys.GetProperty("rotation").GetProperty("status").GetString() == "completed" ? keys : (JsonElement?)null;
        });
        Assert.NotNull(completed);
        var progress = completed.Value.GetProperty("rotation");
        Assert.Equal((5, 5), (progress.GetProperty("pendingAtStart").GetInt64(), progress.GetProperty("reencrypted").GetInt64()));
        Assert.NotEqual(JsonValueKind.Null, completed.Value.GetProperty("versions")[1].GetProperty("rotationCompletedAt").ValueKind);
        var v2 = await keyring.GetCurrentAsync(tenant);
        Assert.Equal(2, v2.Version);
        Assert.Equal([2], await IntsAsync(source, $"SELECT DISTINCT key_version FROM {schema}.records"));
        // The grain's progress went through the tenant grain storage into this tenant's own schema, not the platform's.
        Assert.Equal([1], await IntsAsync(source,
            $"SELECT count(*)::int FROM {schema}.grain_state WHERE grain_id_extension = '{tenant}' AND tenant_id = '{tenant}' AND payload IS NOT NULL"));
        var stateName = Assert.Single(await StringsAsync(source, $"SELECT state_name FROM {schema}.grain_state WHERE grain_id_extension = '{tenant}'"));
        Assert.Contains("key-rotation", stateName, StringComparison.Ordinal);
        await using (var platform = NpgsqlDataSource.Create(factory.ConnectionString))
        {
            Assert.Empty(await StringsAsync(platform, $"SELECT state_name FROM public.orleans_grain_state WHERE grain_id_extension = '{tenant}' AND state_name = '{stateName}'"));
        }

        using var revoke = await admin.PostAsync($"/api/tenants/{tenant}/keys/revoke", Json("""{"reason":"Our admin's laptop was stolen."}"""));
        var revoked = await revoke.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(HttpStatusCode.OK, revoke.StatusCode);
        Assert.Equal(("revoked", "admin-keys", "Our admin's laptop was stolen."),
            (revoked.GetProperty("state").GetString(), revoked.GetProperty("revokedBy").GetString(), revoked.GetProperty("revokeReason").GetString()));
        var unavailable = await Assert.ThrowsAsync<TenantKeyUnavailableException>(async () => await keyring.GetCurrentAsync(tenant));
        Assert.Equal(TenantKeyUnavailableReason.Revoked, unavailable.Reason);
        using var revokeAgain = await admin.PostAsync($"/api/tenants/{tenant}/keys/revoke", Json("""{"reason":"again"}"""));
        Assert.Equal(TenantKeyProblems.AlreadyRevokedType, (await IsProblemAsync(revokeAgain, HttpStatusCode.Conflict)).GetProperty("type").GetString());
        using var rotateRevoked = await admin.PostAsync($"/api/tenants/{tenant}/keys/rotate", null);
        Assert.Equal(TenantKeyProblems.RevokedType, (await IsProblemAsync(rotateRevoked, (HttpStatusCode)423)).GetProperty("type").GetString());

        using var reinstate = await admin.PostAsync($"/api/tenants/{tenant}/keys/reinstate", null);
        Assert.Equal(HttpStatusCode.OK, reinstate.StatusCode);
        Assert.Equal("active", (await reinstate.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("state").GetString());
        Assert.Equal(v2.Material.ToArray(), (await keyring.GetCurrentAsync(tenant)).Material.ToArray());
        using var reinstateAgain = await admin.PostAsync($"/api/tenants/{tenant}/keys/reinstate", null);
        Assert.Equal(TenantKeyProblems.NotRevokedType, (await IsProblemAsync(reinstateAgain, HttpStatusCode.Conflict)).GetProperty("type").GetString());

        // No answer carries key material: not the data keys, not their wrapped form, not the KEK.
        var everything = string.Join("\n", await Task.WhenAll(
            admin.GetStringAsync($"/api/tenants/{tenant}/keys"), rotate.Content.ReadAsStringAsync(), revoke.Content.ReadAsStringAsync(), reinstate.Content.ReadAsStringAsync()));
        var secrets = new List<byte[]> { v1.Material.ToArray(), v2.Material.ToArray() };
        var keyDirectory = factory.Services.GetRequiredService<IConfiguration>()["TenantKeys:Local:Directory"]!;
        secrets.AddRange(Directory.EnumerateFiles(keyDirectory, "*", SearchOption.AllDirectories).Select(File.ReadAllBytes).Where(bytes => bytes.Length >= 32));
        Assert.All(secrets, secret =>
        {
            Assert.DoesNotContain(Convert.ToHexString(secret), everything, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain(Convert.ToBase64String(secret), everything, StringComparison.Ordinal);
        });
        Assert.DoesNotContain("material", everything, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("wrapped", everything, StringComparison.OrdinalIgnoreCase);

        var audit = factory.Services.GetRequiredService<AuditStore>();
        var now = DateTimeOffset.UtcNow;
        var records = (await audit.QueryAsync(new AuditQuery(tenant, null, null, now.AddHours(-1), now.AddMinutes(1), 500, null))).Records;
        Assert.Equal("admin-keys", Assert.Single(records, r => r.Type == AuditEventTypes.TenantKeyRotated.Name).Actor);
        Assert.Equal("admin-keys", Assert.Single(records, r => r.Type == AuditEventTypes.TenantKeyRevoked.Name).Actor);
        Assert.Equal("admin-keys", Assert.Single(records, r => r.Type == AuditEventTypes.TenantKeyReinstated.Name).Actor);
        Assert.Equal(TenantKeyManager.PlatformActor, Assert.Single(records, r => r.Type == AuditEventTypes.TenantKeyRotationCompleted.Name).Actor);
    }

    [Fact]
    public async Task Rotation_SurvivesTheGrainsDeactivation_PausesWhileRevoked_AndResumesFromItsPersistedProgress()
    {
        var tenant = NewTenant("keysres");
        var location = await CreateProvisionedTenantAsync(factory, tenant);
        var v1 = await factory.Services.GetRequiredService<ITenantKeyring>().GetCurrentAsync(tenant);
        var source = factory.Services.GetRequiredService<TenantRegions>().DataSource(location.Region);
        var schema = "\"" + location.SchemaName + "\"";
        await SeedRecordsAsync(source, schema, tenant, v1, 4);
        using var admin = factory.CreateBearerClient(Admin(factory, tenant, "admin-resume"));
        var options = factory.Services.GetRequiredService<IOptions<TenantKeyOptions>>().Value;
        var (batch, interval, budget) = (options.ReencryptionBatchSize, options.ReencryptionInterval, options.ReencryptionTickBudget);
        try
        {
            // One row per tick and ticks ten minutes apart: after its first tick this activation would make no progress.
            (options.ReencryptionBatchSize, options.ReencryptionInterval, options.ReencryptionTickBudget) = (1, TimeSpan.FromMinutes(10), TimeSpan.Zero);
            using (var rotate = await admin.PostAsync($"/api/tenants/{tenant}/keys/rotate", null))
            {
                Assert.Equal(HttpStatusCode.Accepted, rotate.StatusCode);
            }
            var firstTick = await EventuallyAsync(async () =>
            {
                var keys = await admin.GetFromJsonAsync<JsonElement>($"/api/tenants/{tenant}/keys");
                return keys.GetProperty("rotation").GetProperty("reencrypted").GetInt64() == 1 ? keys : (JsonElement?)null;
            });
            Assert.NotNull(firstTick);
            Assert.Equal("running", firstTick.Value.GetProperty("rotation").GetProperty("status").GetString());
            await using var platform = NpgsqlDataSource.Create(factory.ConnectionString);
            var reminders = $"SELECT count(*)::int FROM public.orleans_reminder WHERE grain_id LIKE '%{tenant}%'";
            // Armed while it runs: after a silo restart the reminder reactivates the grain.
            Assert.Equal([1], await IntsAsync(platform, reminders));

            // The tenant's admin revokes the key, and the activation goes away (as on a silo restart): the next activation
            // reads the persisted progress, resumes at once, meets the revoked key and pauses.
            using (var revoke = await admin.PostAsync($"/api/tenants/{tenant}/keys/revoke", Json("""{"reason":"checking a suspicious login"}""")))
            {
                Assert.Equal(HttpStatusCode.OK, revoke.StatusCode);
            }
            var grains = factory.Services.GetRequiredService<IGrainFactory>();
            await grains.GetGrain<ITenantKeyRotationGrain>(tenant).AsReference<IGrainManagementExtension>().DeactivateOnIdle();
            var paused = await EventuallyAsync(async () =>
            {
                var keys = await admin.GetFromJsonAsync<JsonElement>($"/api/tenants/{tenant}/keys");
                return keys.GetProperty("rotation").GetProperty("status").GetString() == "paused" ? keys : (JsonElement?)null;
            });
            Assert.NotNull(paused);
            Assert.Equal(1, paused.Value.GetProperty("rotation").GetProperty("reencrypted").GetInt64());
            Assert.Contains("revoked", paused.Value.GetProperty("rotation").GetProperty("problem").GetString(), StringComparison.Ordinal);
            Assert.Equal([1], await IntsAsync(platform, reminders));

            // Reinstated: the paused re-encryption goes on from where it stopped.
            (options.ReencryptionBatchSize, options.ReencryptionInterval, options.ReencryptionTickBudget) = (batch, interval, budget);
            using (var reinstate = await admin.PostAsync($"/api/tenants/{tenant}/keys/reinstate", null))
            {
                Assert.Equal(HttpStatusCode.OK, reinstate.StatusCode);
            }

            var completed = await EventuallyAsync(async () =>
            {
                var keys = await admin.GetFromJsonAsync<JsonElement>($"/api/tenants/{tenant}/keys");
                return keys.GetProperty("rotation").GetProperty("status").GetString() == "completed" ? keys : (JsonElement?)null;
            });
            Assert.NotNull(completed);
            var progress = completed.Value.GetProperty("rotation");
            Assert.Equal((4, 4, 1), (progress.GetProperty("pendingAtStart").GetInt64(), progress.GetProperty("reencrypted").GetInt64(), progress.GetProperty("passes").GetInt32()));
            Assert.Equal([2], await IntsAsync(source, $"SELECT DISTINCT key_version FROM {schema}.records"));
            // Done: the reminder that would reactivate it is gone.
            Assert.Equal([0], await IntsAsync(platform, reminders));
        }
        finally
        {
            (options.ReencryptionBatchSize, options.ReencryptionInterval, options.ReencryptionTickBudget) = (batch, interval, budget);
        }
    }

    private static async Task SeedRecordsAsync(NpgsqlDataSource source, string schema, string tenant, TenantDataKey key, int count)
    {
        await using (var collection = source.CreateCommand(
            $"INSERT INTO {schema}.collections (name, classification, created_at, created_by) VALUES ($1, 'internal', now(), 'admin-keys')"))
        {
            collection.Parameters.Add(new() { Value = Collection });
            await collection.ExecuteNonQueryAsync();
        }
        for (var i = 0; i < count; i++)
        {
            var id = $"r{i}";
            var json = $$"""{"n":{{i}}}""";
            using var document = JsonDocument.Parse(json);
            await using var insert = source.CreateCommand(
                $"""
                INSERT INTO {schema}.records (collection, id, classification, version, key_version, payload, index_tokens, size_bytes, created_at, updated_at, updated_by)
                VALUES ($1, $2, 'internal', 1, $3, $4, $5, $6, now(), now(), 'admin-keys')
                """);
            insert.Parameters.Add(new() { Value = Collection });
            insert.Parameters.Add(new() { Value = id });
            insert.Parameters.Add(new() { Value = key.Version });
            insert.Parameters.Add(new() { Value = TenantCipher.Encrypt(key, Encoding.UTF8.GetBytes(json), TenantDataAad.Record(tenant, Collection, id)) });
            insert.Parameters.Add(new() { Value = TenantCipher.IndexTokens(key, document.RootElement), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bytea });
            insert.Parameters.Add(new() { Value = json.Length });
            await insert.ExecuteNonQueryAsync();
        }
    }

    private static Task<List<string>> StringsAsync(NpgsqlDataSource source, string sql) => SqlColumn.ReadAsync<string>(source, sql);

    private static Task<List<int>> IntsAsync(NpgsqlDataSource source, string sql) => SqlColumn.ReadAsync<int>(source, sql);

    /// <summary>Polls until <paramref name="probe"/> answers a value or a generous deadline passes.</summary>
    private static async Task<JsonElement?> EventuallyAsync(Func<Task<JsonElement?>> probe)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            if (await probe() is { } value)
            {
                return value;
            }
            await Task.Delay(100);
        }
        return await probe();
    }
}
