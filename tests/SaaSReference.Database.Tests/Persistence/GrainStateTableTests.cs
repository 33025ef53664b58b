using Npgsql;
using SaaSReference.Database.Tests.Infrastructure;

namespace SaaSReference.Database.Tests.Persistence;

/// <summary>The grain-state table's own guarantees, checked with plain SQL and no provider in between.</summary>
[Collection(MigratedDatabaseCollection.Name)]
public sealed class GrainStateTableTests(MigratedDatabaseFixture database)
{
    private const string InsertRow = """
        INSERT INTO public.orleans_grain_state (service_id, state_name, grain_id_n0, grain_id_n1, grain_id_extension, payload, version)
        VALUES (@service, 'counter', 1, 2, @extension, '\x01'::bytea, 1)
        """;

    [Theory]
    [InlineData(null)]
    [InlineData("tenant-a")]
    public async Task GrainStateTable_SecondRowForSameGrain_Refused(string? extension)
    {
        var service = Guid.NewGuid().ToString("N");
        await Sql.ExecuteAsync(database.ConnectionString, InsertRow, ("service", service), ("extension", extension));

        var duplicate = await Assert.ThrowsAsync<PostgresException>(() =>
            Sql.ExecuteAsync(database.ConnectionString, InsertRow, ("service", service), ("extension", extension)));

        Assert.Equal(PostgresErrorCodes.UniqueViolation, duplicate.SqlState);
    }

    [Fact]
    public async Task GrainStateTable_NoExtensionAndEmptyExtension_AreDifferentGrains()
    {
        var service = Guid.NewGuid().ToString("N");

        await Sql.ExecuteAsync(database.ConnectionString, InsertRow, ("service", service), ("extension", null));
        await Sql.ExecuteAsync(database.ConnectionString, InsertRow, ("service", service), ("extension", ""));

        Assert.Equal(2L, await Sql.ScalarAsync<long>(database.ConnectionString,
            "SELECT count(*) FROM public.orleans_grain_state WHERE service_id = @service", ("service", service)));
    }

    [Fact]
    public async Task GrainStateWrite_StaleVersion_LeavesRowAndReturnsCallersVersion()
    {
        var service = Guid.NewGuid().ToString("N");
        const string Write = "SELECT public.orleans_grain_state_write(@service, 'counter', 1, 2, NULL, @version, @payload)";
        Assert.Equal(1, await Sql.ScalarAsync<int>(database.ConnectionString, Write, ("service", service), ("version", null), ("payload", new byte[] { 1 })));
        Assert.Equal(2, await Sql.ScalarAsync<int>(database.ConnectionString, Write, ("service", service), ("version", 1), ("payload", new byte[] { 2 })));

        var stale = await Sql.ScalarAsync<int>(database.ConnectionString, Write, ("service", service), ("version", 1), ("payload", new byte[] { 9 }));

        Assert.Equal(1, stale);
        var payload = await Sql.ScalarAsync<byte[]>(database.ConnectionString,
            "SELECT payload FROM public.orleans_grain_state WHERE service_id = @service AND version = 2", ("service", service));
        Assert.Equal(new byte[] { 2 }, payload);
    }
}
