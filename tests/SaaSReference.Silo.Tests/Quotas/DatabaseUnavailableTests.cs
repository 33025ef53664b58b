using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Orleans.Serialization;
using SaaSReference.Silo.Apis;

namespace SaaSReference.Silo.Tests.Quotas;

/// <summary>
/// 17.2.1a (failover): while PostgreSQL shuts down or starts up, the API answers 503 with Retry-After, never 500: the
/// server's own refusals (57P01-57P03, class 08, 53300) count as "database unavailable" like a refused connection,
/// also wrapped in the exception of a grain call; an error of the query itself does not.
/// </summary>
public sealed class DatabaseUnavailableTests
{
    private static PostgresException Server(string sqlState, string text) => new(text, "FATAL", "FATAL", sqlState);

    [Theory]
    [InlineData("57P03", "the database system is starting up")]
    [InlineData("57P01", "terminating connection due to administrator command")]
    [InlineData("57P02", "terminating connection due to crash of another server process")]
    [InlineData("08006", "connection failure")]
    [InlineData("53300", "sorry, too many clients already")]
    public void ServerRefusingConnections_Unavailable(string sqlState, string text)
    {
        Assert.True(ClusterExceptionHandler.IsDatabaseUnavailable(Server(sqlState, text)));
        Assert.True(ClusterExceptionHandler.IsDatabaseUnavailable(new InvalidOperationException("grain call failed", Server(sqlState, text))));
    }

    [Theory]
    [InlineData("42P01", "relation \"x\" does not exist")]
    [InlineData("23505", "duplicate key value violates unique constraint")]
    public void QueryErrors_NotUnavailable(string sqlState, string text) =>
        Assert.False(ClusterExceptionHandler.IsDatabaseUnavailable(Server(sqlState, text)));

    [Fact]
    public void ServerStartingUp_AfterCrossingAGrainCall_StillUnavailable()
    {
        // What the API receives when the grain that met the refusal ran on another silo, or when Orleans copied it back.
        using var services = new ServiceCollection().AddSerializer()
            .Configure<ExceptionSerializationOptions>(options => options.SupportedNamespacePrefixes.Add("Npgsql")).BuildServiceProvider();
        var serializer = services.GetRequiredService<Serializer>();

        var copy = serializer.Deserialize<Exception>(serializer.SerializeToArray<Exception>(Server("57P03", "the database system is starting up")));

        Assert.IsType<PostgresException>(copy);
        Assert.True(ClusterExceptionHandler.IsDatabaseUnavailable(copy), $"{copy.GetType()}: {copy.Message} (SqlState '{((PostgresException)copy).SqlState}')");
    }

    [Fact]
    public void RefusedConnection_Unavailable() =>
        Assert.True(ClusterExceptionHandler.IsDatabaseUnavailable(new NpgsqlException("Failed to connect", new System.Net.Sockets.SocketException(111))));
}
