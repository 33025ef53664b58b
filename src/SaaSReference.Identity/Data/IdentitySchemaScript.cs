using System.Text;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;

namespace SaaSReference.Identity.Data;

/// <summary>
/// The SQL of <c>infra/postgres/0005_identity.sql</c>, generated from the EF model of <see cref="IdentityDb"/>
/// (ASP.NET Core Identity and OpenIddict tables). The project's migrator applies the committed file; a test
/// fails when the model and the file differ and says how to regenerate it.
/// </summary>
public static partial class IdentitySchemaScript
{
    /// <summary>The file, relative to the repository root.</summary>
    public const string RelativePath = "infra/postgres/0005_identity.sql";

    private const string Header = """
        -- GENERATED from the EF Core model of SaaSReference.Identity.Data.IdentityDb (ASP.NET Core Identity and
        -- OpenIddict entities) by SaaSReference.Identity.Data.IdentitySchemaScript. Do not edit by hand: change the
        -- model, then regenerate with
        --   SAASREF_WRITE_IDENTITY_SCHEMA=1 dotnet test tests/SaaSReference.Identity.Tests --filter FullyQualifiedName~IdentitySchemaScriptTests
        -- (the test IdentitySchemaScriptTests fails while model and file differ). Applied once, in prefix order, by
        -- SaaSReference.Database.SchemaMigrator; the statements also tolerate re-running.
        CREATE SCHEMA IF NOT EXISTS identity;

        """;

    /// <summary>The script for the current model: deterministic, LF line endings, ending in one newline.</summary>
    public static string Generate()
    {
        // No connection is opened: the provider only renders the model as SQL.
        var options = new DbContextOptionsBuilder<IdentityDb>().UseNpgsql("Host=unused;Database=unused").Options;
        using var db = new IdentityDb(options);
        var script = db.Database.GenerateCreateScript().Replace("\r\n", "\n", StringComparison.Ordinal);
        // The header creates the schema; EF's own DO block for it is redundant.
        script = SchemaBlock().Replace(script, "");

        var body = new StringBuilder();
        foreach (var statement in script.Split(";\n", StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            body.Append(Idempotent(statement)).Append(";\n\n");
        }
        return Header + "\n" + body.ToString().TrimEnd('\n') + "\n";
    }

    /// <summary>Text compared by the test: line endings and trailing white space do not count.</summary>
    public static string Normalise(string sql)
    {
        ArgumentNullException.ThrowIfNull(sql);
        var lines = sql.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n').Select(line => line.TrimEnd());
        return string.Join('\n', lines).Trim();
    }

    private static string Idempotent(string statement)
    {
        statement = CreateTable().Replace(statement, "CREATE TABLE IF NOT EXISTS ");
        return CreateIndex().Replace(statement, "CREATE $1INDEX IF NOT EXISTS ");
    }

    [GeneratedRegex(@"DO \$EF\$.*?END \$EF\$;", RegexOptions.Singleline | RegexOptions.CultureInvariant)]
    private static partial Regex SchemaBlock();

    [GeneratedRegex(@"^CREATE TABLE (?!IF NOT EXISTS)", RegexOptions.CultureInvariant)]
    private static partial Regex CreateTable();

    [GeneratedRegex(@"^CREATE (UNIQUE )?INDEX (?!IF NOT EXISTS)", RegexOptions.CultureInvariant)]
    private static partial Regex CreateIndex();
}
