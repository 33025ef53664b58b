using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace SaaSReference.Database.Hosting;

/// <summary>
/// Brings the platform database to the schema this build expects before the service starts its work
/// (register it before Orleans or anything else that reads the database). Several silos may
/// start together (silos and identity instances): the migrator serialises them with an advisory lock. PostgreSQL that is still starting
/// is waited for (bounded), so the silo does not crash-loop during a joint start.
/// </summary>
public sealed partial class SchemaMigrationService(IConfiguration configuration, ILogger<SchemaMigrationService> logger) : IHostedService
{
    private static readonly TimeSpan PatienceForDatabase = TimeSpan.FromSeconds(60);

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var connectionString = configuration.GetConnectionString("platform")!;
        var deadline = DateTimeOffset.UtcNow + PatienceForDatabase;
        while (true)
        {
            try
            {
                var result = await SchemaMigrator.MigrateAsync(connectionString, logger, cancellationToken: cancellationToken);
                LogSchemaReady(logger, result.VersionAfter);
                return;
            }
            catch (NpgsqlException exception) when (exception.IsTransient && DateTimeOffset.UtcNow < deadline)
            {
                LogWaitingForDatabase(logger, exception.Message);
                await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
            }
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Information, Message = "Platform database schema is at version {Version}.")]
    private static partial void LogSchemaReady(ILogger logger, int version);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Waiting for PostgreSQL: {Reason}")]
    private static partial void LogWaitingForDatabase(ILogger logger, string reason);
}

public static class SchemaMigrationExtensions
{
    /// <summary>Applies the platform schema (connection string <c>platform</c>) when the host starts.</summary>
    public static IServiceCollection AddSchemaMigration(this IServiceCollection services) =>
        services.AddHostedService<SchemaMigrationService>();
}
