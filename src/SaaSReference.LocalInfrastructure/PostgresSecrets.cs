namespace SaaSReference.LocalInfrastructure;

/// <summary>Passwords of a local PostgreSQL cluster, kept beside it (see <see cref="SecretsFile"/>).</summary>
public sealed record PostgresSecrets(string SuperuserPassword, string AppPassword)
{
    public static PostgresSecrets LoadOrCreate(string path) =>
        SecretsFile.LoadOrCreate(path, () => new PostgresSecrets(SecretsFile.NewToken(), SecretsFile.NewToken()));
}
