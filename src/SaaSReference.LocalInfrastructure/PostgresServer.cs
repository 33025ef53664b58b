using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Npgsql;

namespace SaaSReference.LocalInfrastructure;

/// <summary>
/// A PostgreSQL server of this machine's own, in a folder the caller names, on a loopback port: used by the
/// run command (a persistent cluster under the repository's data folder) and by the tests (a throwaway
/// cluster each). It finds the server binaries (installing Debian's package when they are missing and the
/// process may), creates the cluster once, runs the server as the <c>postgres</c> user when started as
/// root (the server refuses to run as root), and creates the application role and database.
/// </summary>
public sealed partial class PostgresServer : IAsyncDisposable
{
    private const string ServiceUser = "postgres";
    private readonly PostgresServerOptions _options;
    private readonly string _binDirectory;
    private readonly string _dataDirectory;
    private readonly PostgresSecrets _secrets;
    private bool _stopped;

    private PostgresServer(PostgresServerOptions options, string binDirectory, string dataDirectory, PostgresSecrets secrets, int port)
    {
        _options = options;
        _binDirectory = binDirectory;
        _dataDirectory = dataDirectory;
        _secrets = secrets;
        Port = port;
    }

    public int Port { get; }

    /// <summary>The folder that holds the cluster's files (PGDATA).</summary>
    public string DataDirectory => _dataDirectory;

    /// <summary>Superuser connection to the <c>postgres</c> maintenance database.</summary>
    /// <remarks>Not pooled: administration is rare, and a pooled connection would outlive a restart of the server and fail
    /// the first command after it ("terminating connection due to administrator command").</remarks>
    public string AdminConnectionString =>
        new NpgsqlConnectionStringBuilder(Build(ServiceUser, _secrets.SuperuserPassword, "postgres")) { Pooling = false }.ConnectionString;

    /// <summary>The application role's connection to the application database.</summary>
    public string ConnectionString => Build(_options.AppRole, _secrets.AppPassword, _options.Database);

    /// <summary>The application role's connection to another database of this server.</summary>
    public string ConnectionStringFor(string database) => Build(_options.AppRole, _secrets.AppPassword, database);

    public static async Task<PostgresServer> StartAsync(PostgresServerOptions options, CancellationToken cancellationToken = default)
    {
        ValidateIdentifier(options.Database);
        ValidateIdentifier(options.AppRole);
        var log = options.Log ?? (_ => { });
        var binDirectory = await PostgresBinaries.LocateOrInstallAsync(options.InstallIfMissing, log, cancellationToken);
        Directory.CreateDirectory(options.RootDirectory);

        var runAsServiceUser = Environment.IsPrivilegedProcess;
        if (runAsServiceUser)
        {
            await EnsureServiceUserAsync(cancellationToken);
        }

        var dataDirectory = await ChooseDataDirectoryAsync(options, runAsServiceUser, log, cancellationToken);
        var secrets = PostgresSecrets.LoadOrCreate(Path.Combine(options.RootDirectory, "postgres-secrets.json"));
        var port = options.Port == 0 ? FreePort.Next() : options.Port;

        var server = new PostgresServer(options, binDirectory, dataDirectory, secrets, port);
        if (!File.Exists(Path.Combine(dataDirectory, "PG_VERSION")))
        {
            log($"Creating a PostgreSQL cluster in {dataDirectory}");
            await server.InitializeAsync(cancellationToken);
        }
        await server.StartServerAsync(log, cancellationToken);
        await server.EnsureDatabaseAsync(options.Database, cancellationToken);
        return server;
    }

    /// <summary>Creates a database owned by the application role unless it exists.</summary>
    public async Task EnsureDatabaseAsync(string database, CancellationToken cancellationToken = default)
    {
        ValidateIdentifier(database);
        await using var connection = new NpgsqlConnection(AdminConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using (var role = new NpgsqlCommand(
            $"""
            DO $$ BEGIN
              IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{_options.AppRole}') THEN
                CREATE ROLE {_options.AppRole} LOGIN PASSWORD '{_secrets.AppPassword}';
              END IF;
            END $$;
            """, connection))
        {
            await role.ExecuteNonQueryAsync(cancellationToken);
        }

        await using var exists = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = @name", connection);
        exists.Parameters.AddWithValue("name", database);
        if (await exists.ExecuteScalarAsync(cancellationToken) is null)
        {
            await using var create = new NpgsqlCommand($"CREATE DATABASE {database} OWNER {_options.AppRole} ENCODING 'UTF8' TEMPLATE template0", connection);
            await create.ExecuteNonQueryAsync(cancellationToken);
        }
    }

    public async Task StopAsync()
    {
        if (_stopped)
        {
            return;
        }
        _stopped = true;
        await RunServerToolAsync("pg_ctl", ["-D", _dataDirectory, "stop", "-m", "fast", "-w", "-t", "60"], CancellationToken.None, throwOnError: false);
        if (_options.DeleteOnStop)
        {
            TryDelete(_options.RootDirectory);
            TryDelete(Path.GetDirectoryName(_dataDirectory)!);
        }
    }

    public ValueTask DisposeAsync() => new(StopAsync());

    private async Task InitializeAsync(CancellationToken cancellationToken)
    {
        var passwordFile = Path.Combine(Path.GetTempPath(), $"saasref-pw-{Guid.NewGuid():N}");
        await File.WriteAllTextAsync(passwordFile, _secrets.SuperuserPassword, cancellationToken);
        File.SetUnixFileMode(passwordFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        try
        {
            await ChownAsync(passwordFile, cancellationToken);
            await RunServerToolAsync("initdb",
            [
                "-D", _dataDirectory, "-U", ServiceUser, "--pwfile", passwordFile,
                "--auth-host=scram-sha-256", "--auth-local=scram-sha-256", "-E", "UTF8", "--no-locale", "--no-instructions",
            ], cancellationToken);
        }
        finally
        {
            File.Delete(passwordFile);
        }
    }

    private async Task StartServerAsync(Action<string> log, CancellationToken cancellationToken)
    {
        var status = await RunServerToolAsync("pg_ctl", ["-D", _dataDirectory, "status"], cancellationToken, throwOnError: false);
        if (status.Contains("server is running", StringComparison.Ordinal))
        {
            log("A PostgreSQL server was left running on this cluster; restarting it.");
            await RunServerToolAsync("pg_ctl", ["-D", _dataDirectory, "stop", "-m", "fast", "-w"], cancellationToken, throwOnError: false);
        }

        var settings = new StringBuilder(string.Create(CultureInfo.InvariantCulture, $"-c listen_addresses=127.0.0.1 -c port={Port} -c unix_socket_directories='' -c max_connections={_options.MaxConnections}"));
        if (!_options.Durable)
        {
            // Throwaway test clusters trade crash safety for speed; nothing in them outlives the run.
            settings.Append(" -c fsync=off -c synchronous_commit=off -c full_page_writes=off");
        }
        var logFile = Path.Combine(_dataDirectory, "server.log");
        await RunServerToolAsync("pg_ctl", ["-D", _dataDirectory, "-l", logFile, "-o", settings.ToString(), "-w", "-t", "120", "start"], cancellationToken);
        log($"PostgreSQL is listening on 127.0.0.1:{Port}");
    }

    private Task<string> RunServerToolAsync(string tool, IReadOnlyList<string> arguments, CancellationToken cancellationToken, bool throwOnError = true)
    {
        var path = Path.Combine(_binDirectory, tool);
        return Environment.IsPrivilegedProcess
            ? ProcessRunner.RunAsync("runuser", ["-u", ServiceUser, "--", path, .. arguments], cancellationToken, throwOnError)
            : ProcessRunner.RunAsync(path, arguments, cancellationToken, throwOnError);
    }

    private static async Task<string> ChooseDataDirectoryAsync(PostgresServerOptions options, bool runAsServiceUser, Action<string> log, CancellationToken cancellationToken)
    {
        var preferred = Path.Combine(options.RootDirectory, "pgdata");
        Directory.CreateDirectory(preferred);
        if (!runAsServiceUser)
        {
            return preferred;
        }
        await ChownAsync(preferred, cancellationToken);
        if (await ProcessRunner.SucceedsAsync("runuser", ["-u", ServiceUser, "--", "test", "-w", preferred], cancellationToken))
        {
            return preferred;
        }

        // The postgres user cannot reach a folder below a private home (e.g. /root): keep the cluster in a
        // fixed place derived from the requested folder, so that every start finds the same data.
        Directory.Delete(preferred);
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Path.GetFullPath(options.RootDirectory))))[..12];
        var fallback = Path.Combine("/var/lib/saasreference", hash, "pgdata");
        Directory.CreateDirectory(fallback);
        await ChownAsync(Path.GetDirectoryName(fallback)!, cancellationToken);
        await ChownAsync(fallback, cancellationToken);
        log($"The postgres user cannot reach {preferred}; the cluster lives in {fallback} instead.");
        return fallback;
    }

    private static async Task EnsureServiceUserAsync(CancellationToken cancellationToken)
    {
        if (!await ProcessRunner.SucceedsAsync("id", ["-u", ServiceUser], cancellationToken))
        {
            await ProcessRunner.RunAsync("useradd", ["--system", "--user-group", "--home-dir", "/var/lib/postgresql", "--shell", "/bin/sh", ServiceUser], cancellationToken);
        }
    }

    private static Task ChownAsync(string path, CancellationToken cancellationToken) =>
        ProcessRunner.RunAsync("chown", ["-R", $"{ServiceUser}:{ServiceUser}", path], cancellationToken);

    private string Build(string user, string password, string database) => new NpgsqlConnectionStringBuilder
    {
        Host = "127.0.0.1",
        Port = Port,
        Username = user,
        Password = password,
        Database = database,
        MaxPoolSize = _options.MaxPoolSize,
    }.ConnectionString;

    private static void ValidateIdentifier(string name)
    {
        if (!IdentifierPattern().IsMatch(name))
        {
            throw new ArgumentException($"'{name}' is not a plain lower-case PostgreSQL identifier.", nameof(name));
        }
    }

    private static void TryDelete(string directory)
    {
        try
        {
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    [GeneratedRegex("^[a-z_][a-z0-9_]{0,62}$")]
    private static partial Regex IdentifierPattern();
}
