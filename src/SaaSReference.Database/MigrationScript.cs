namespace SaaSReference.Database;

/// <summary>One SQL script of the database schema, as embedded from <c>infra/postgres</c>.</summary>
/// <param name="Version">The number of the file name's <c>NNNN_</c> prefix; scripts run in this order.</param>
/// <param name="Name">The file name, e.g. <c>0001_orleans_clustering.sql</c>.</param>
/// <param name="Sha256">Lower-case hex SHA-256 of <paramref name="Text"/> as UTF-8.</param>
/// <param name="Text">The script, with line ends normalised to LF.</param>
public sealed record MigrationScript(int Version, string Name, string Sha256, string Text)
{
    /// <summary>The file name: the text is too long for logs and test output.</summary>
    public override string ToString() => Name;
}
