using SaaSReference.Identity.Data;
using SaaSReference.LocalInfrastructure;

namespace SaaSReference.Identity.Tests.Protocol;

/// <summary>infra/postgres/0005_identity.sql is generated from the EF model; they must not drift apart.</summary>
public sealed class IdentitySchemaScriptTests
{
    private const string RegenerateVariable = "SAASREF_WRITE_IDENTITY_SCHEMA";

    [Fact]
    public void SchemaScript_EfModelChanged_MatchesCommittedFile()
    {
        var path = Path.Combine(RepositoryRoot.Find(), IdentitySchemaScript.RelativePath);
        var generated = IdentitySchemaScript.Generate();
        if (Environment.GetEnvironmentVariable(RegenerateVariable) == "1")
        {
            File.WriteAllText(path, generated);
        }

        var committed = File.Exists(path) ? File.ReadAllText(path) : "";
        Assert.True(IdentitySchemaScript.Normalise(committed) == IdentitySchemaScript.Normalise(generated),
            $"{IdentitySchemaScript.RelativePath} differs from the EF model of IdentityDb. Regenerate it with\n" +
            $"  {RegenerateVariable}=1 dotnet test tests/SaaSReference.Identity.Tests --filter FullyQualifiedName~IdentitySchemaScriptTests\n" +
            "and commit the file (a database that already applied 0005 needs a new numbered script for the change).");
    }

    [Fact]
    public void SchemaScript_Always_ToleratesRerunning()
    {
        var script = IdentitySchemaScript.Generate();

        Assert.StartsWith("CREATE SCHEMA IF NOT EXISTS identity;", script.Split('\n').First(l => !l.StartsWith("--", StringComparison.Ordinal)), StringComparison.Ordinal);
        Assert.DoesNotMatch(@"CREATE TABLE (?!IF NOT EXISTS)", script);
        Assert.DoesNotMatch(@"CREATE (UNIQUE )?INDEX (?!IF NOT EXISTS)", script);
        Assert.Contains("identity.\"AspNetUsers\"", script, StringComparison.Ordinal);
        Assert.Contains("identity.\"OpenIddictTokens\"", script, StringComparison.Ordinal);
    }
}
