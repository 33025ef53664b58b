using SaaSReference.Database.Audit;
using SaaSReference.LocalInfrastructure;

namespace SaaSReference.Database.Tests.Audit;

/// <summary>12.4.1a: docs/audit-events.md is generated from the catalogue in code and must not drift from it.</summary>
public sealed class AuditCatalogueTests
{
    private const string RegenerateVariable = "SAASREF_WRITE_AUDIT_EVENTS";

    [Fact]
    public void CatalogueDocument_CatalogueChanged_MatchesCommittedFile()
    {
        var path = Path.Combine(RepositoryRoot.Find(), AuditEventTypes.DocumentPath);
        var generated = AuditEventTypes.ToMarkdown();
        if (Environment.GetEnvironmentVariable(RegenerateVariable) == "1")
        {
            File.WriteAllText(path, generated);
        }

        var committed = File.Exists(path) ? File.ReadAllText(path).ReplaceLineEndings("\n") : "";
        Assert.True(committed == generated,
            $"{AuditEventTypes.DocumentPath} differs from AuditEventTypes. Regenerate it with\n" +
            $"  {RegenerateVariable}=1 dotnet test tests/SaaSReference.Database.Tests --filter FullyQualifiedName~AuditCatalogueTests");
    }

    [Fact]
    public void Catalogue_Always_HasUniqueNamesAndDescriptions()
    {
        Assert.Equal(AuditEventTypes.All.Count, AuditEventTypes.All.Select(t => t.Name).Distinct(StringComparer.Ordinal).Count());
        Assert.All(AuditEventTypes.All, type => Assert.False(string.IsNullOrWhiteSpace(type.Description)));
        Assert.All(AuditEventTypes.All, type => Assert.Matches("^[a-z][a-z-]*\\.[a-z.-]+$", type.Name));
    }

    [Fact]
    public void AuditEvent_RequiredFieldMissing_Refused()
    {
        var error = Assert.Throws<ArgumentException>(() => new AuditEvent(AuditEventTypes.GrainStateChanged, "u", "acme", "g", "success",
            new Dictionary<string, string> { ["grain"] = "g" }));
        Assert.Contains("method", error.Message, StringComparison.Ordinal);
    }
}
