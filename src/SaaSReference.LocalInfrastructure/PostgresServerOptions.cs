namespace SaaSReference.LocalInfrastructure;

/// <summary>Where and how <see cref="PostgresServer"/> keeps and runs its cluster.</summary>
public sealed record PostgresServerOptions
{
    /// <summary>Folder for the cluster (<c>pgdata/</c>) and its generated passwords.</summary>
    public required string RootDirectory { get; init; }

    /// <summary>Loopback port; 0 picks a free one.</summary>
    public int Port { get; init; }

    public string Database { get; init; } = "saasreference";

    public string AppRole { get; init; } = "saas_app";

    /// <summary>Install Debian's <c>postgresql</c> package when no server binaries are found (needs root).</summary>
    public bool InstallIfMissing { get; init; } = true;

    /// <summary>False for throwaway test clusters: fsync and synchronous commit are off.</summary>
    public bool Durable { get; init; } = true;

    /// <summary>Remove every file of the cluster when it stops (test clusters).</summary>
    public bool DeleteOnStop { get; init; }

    public int MaxConnections { get; init; } = 300;

    public int MaxPoolSize { get; init; } = 50;

    public Action<string>? Log { get; init; }
}
