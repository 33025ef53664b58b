using SaaSReference.Deployment.Tests.Infrastructure;

namespace SaaSReference.Deployment.Tests;

/// <summary>Nothing secret is committed: passwords and keys come from variables the user must set.</summary>
public sealed class ComposeSecretsTests
{
    private readonly ComposeFile compose = ComposeFile.Load();

    [Fact]
    public void Compose_SecretValues_AreRequiredVariablesNotLiterals()
    {
        Assert.Empty(ComposeRules.Secrets(compose));
    }

    [Fact]
    public void Compose_RequiredVariables_AreThePasswordTheBootstrapKeyTheGatewaySecretAndTheCheckpointKey()
    {
        Assert.Equal(["AUDIT_CHECKPOINT_SIGNING_KEY", "GATEWAY_CLIENT_SECRET", "PLATFORM_BOOTSTRAP_KEY", "POSTGRES_PASSWORD"], ComposeRules.RequiredVariables(compose).Order());
        Assert.StartsWith("${PLATFORM_BOOTSTRAP_KEY:?", compose.Services["silo-1"].Environment["Platform__BootstrapKey"], StringComparison.Ordinal);
    }

    /// <summary>12.4.2a/b: the checkpoint and export signing key is the silos' alone, and the same one on each.</summary>
    [Fact]
    public void Compose_CheckpointSigningKey_ComesFromTheRequiredVariableOnEverySiloAndNowhereElse()
    {
        Assert.All(compose.ServicesOfRole("silo"), s => Assert.Equal(
            "${AUDIT_CHECKPOINT_SIGNING_KEY:?set AUDIT_CHECKPOINT_SIGNING_KEY (see infra/docker/README.md)}", s.Environment[ComposeRules.CheckpointSigningKeySetting]));
        Assert.All(compose.Services.Values.Where(s => s.Role != "silo"), s =>
        {
            Assert.DoesNotContain(s.Environment.Keys, k => k.StartsWith("Audit__", StringComparison.Ordinal));
            Assert.DoesNotContain(Yaml.Scalars(s.Node), v => v.Contains("AUDIT_CHECKPOINT_SIGNING_KEY", StringComparison.Ordinal));
        });
    }

    [Fact]
    public void Compose_RegionDatabases_TakeTheirPasswordFromTheRequiredVariable()
    {
        Assert.All(compose.ServicesOfRole(ComposeRules.RegionDatabaseRole),
            s => Assert.StartsWith("${POSTGRES_PASSWORD:?", s.Environment["POSTGRES_PASSWORD"], StringComparison.Ordinal));
        Assert.All(compose.ServicesOfRole("silo").SelectMany(s => s.Environment).Where(e => e.Key.EndsWith("__ConnectionString", StringComparison.Ordinal)),
            e => Assert.Contains("Password=${POSTGRES_PASSWORD:?", e.Value, StringComparison.Ordinal));
    }

    [Fact]
    public void Compose_RequiredVariables_AreDocumentedForUsers()
    {
        var readme = File.ReadAllText(Repo.PathOf("infra/docker/README.md"));
        var example = File.ReadAllText(Repo.PathOf("infra/docker/.env.example"));
        Assert.All(ComposeRules.RequiredVariables(compose), name =>
        {
            Assert.Contains($"`{name}`", readme, StringComparison.Ordinal);
            Assert.Contains($"{name}=", example, StringComparison.Ordinal);
        });
    }

    [Fact]
    public void EnvExample_Values_AreEmpty()
    {
        var assignments = File.ReadAllLines(Repo.PathOf("infra/docker/.env.example"))
            .Where(l => !l.TrimStart().StartsWith('#') && l.Contains('=', StringComparison.Ordinal));
        Assert.All(assignments, line => Assert.EndsWith("=", line.Trim(), StringComparison.Ordinal));
    }
}
