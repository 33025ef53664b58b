using System.Text.Json;
using Npgsql;
using SaaSReference.LocalInfrastructure;

namespace SaaSReference.Load.Cli;

/// <summary>
/// The platform database a scenario reads beside its HTTP traffic (baseline's clustering, tenants' connection count):
/// the one given on the command line, else, against the local stack only, the AppHost's.
/// </summary>
public static class LocalDatabase
{
    /// <summary>The local stack's PostgreSQL port (the AppHost's <c>LocalPorts.Postgres</c>).</summary>
    public const int Port = 55432;

    /// <summary>
    /// <paramref name="given"/> (the value of <paramref name="option"/>); for a --target deployment without it, none; else
    /// the local stack's. Null, with the reason, when there is none to use.
    /// </summary>
    public static (string? ConnectionString, string? Reason) Resolve(string? given, string option, LoadOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (given is not null)
        {
            return (given, null);
        }
        if (options.Target is not null)
        {
            return (null, $"no {option} given for the --target deployment");
        }
        var root = LocalStack.RepositoryRoot(Directory.GetCurrentDirectory()) ?? Directory.GetCurrentDirectory();
        return (Find(root, option, out var reason), reason);
    }

    /// <summary>
    /// The platform database of the AppHost's PostgreSQL (127.0.0.1:55432) as the application role, whose password the
    /// AppHost generated into <c>.data/postgres/postgres-secrets.json</c>. Null, with the reason, when that file is not
    /// there (the AppHost never ran in this repository) or cannot be read.
    /// </summary>
    public static string? Find(string repositoryRoot, string option, out string? reason)
    {
        ArgumentNullException.ThrowIfNull(repositoryRoot);
        var path = Path.Combine(repositoryRoot, ".data", "postgres", "postgres-secrets.json");
        if (!File.Exists(path))
        {
            reason = $"no {option}, and {path} does not exist (the AppHost has not run here)";
            return null;
        }
        PostgresSecrets? secrets;
        try
        {
            secrets = JsonSerializer.Deserialize<PostgresSecrets>(File.ReadAllText(path));
        }
        catch (JsonException e)
        {
            reason = $"{path} cannot be read: {e.Message}";
            return null;
        }
        if (secrets is null || string.IsNullOrEmpty(secrets.AppPassword))
        {
            reason = $"{path} holds no application password";
            return null;
        }
        // The AppHost's server uses PostgresServerOptions' defaults for the database and the application role.
        var defaults = new PostgresServerOptions { RootDirectory = Path.GetDirectoryName(path)! };
        reason = null;
        return new NpgsqlConnectionStringBuilder
        {
            Host = "127.0.0.1",
            Port = Port,
            Username = defaults.AppRole,
            Password = secrets.AppPassword,
            Database = defaults.Database,
        }.ConnectionString;
    }
}
