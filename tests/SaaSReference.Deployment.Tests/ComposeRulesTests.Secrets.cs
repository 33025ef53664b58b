using SaaSReference.Deployment.Tests.Infrastructure;
using YamlDotNet.RepresentationModel;

namespace SaaSReference.Deployment.Tests;

/// <summary>Secrets: no literal, no optional or defaulted secret variable; a retired key's public half may be written out.</summary>
public sealed partial class ComposeRulesTests
{
    [Theory]
    [InlineData("silo-1", "ConnectionStrings__platform", "Host=postgres;Database=saasreference;Username=u;Password=hunter2")]
    [InlineData("identity-2", "ConnectionStrings__platform", "Host=postgres;Password=${POSTGRES_PASSWORD:-changeme}")]
    [InlineData("silo-2", "Platform__BootstrapKey", "0123456789abcdef")]
    [InlineData("postgres", "POSTGRES_PASSWORD", "${POSTGRES_PASSWORD}")]
    [InlineData("silo-1", "Audit__CheckpointSigningKey", PrivateKey)]
    [InlineData("silo-2", "Audit__CheckpointSigningKey", "${AUDIT_CHECKPOINT_SIGNING_KEY:-}")]
    [InlineData("silo-3", "Audit__CheckpointPublicKeys__0", PrivateKey)]
    public void Secrets_LiteralOrOptionalSecret_IsReported(string service, string key, string value)
    {
        Set(compose.Services[service].Map("environment")!, key, new YamlScalarNode(Keys(value)));
        Assert.Contains(ComposeRules.Secrets(compose), v => v.StartsWith(service + ":", StringComparison.Ordinal));
    }

    [Fact]
    public void Secrets_LiteralInListFormEnvironment_IsReported()
    {
        Set(compose.Services["postgres"].Node, "environment", new YamlSequenceNode(new YamlScalarNode("POSTGRES_PASSWORD=hunter2")));
        Assert.Contains(ComposeRules.Secrets(compose), v => v.StartsWith("postgres:", StringComparison.Ordinal));
    }

    [Fact]
    public void Secrets_RetiredCheckpointKeysPublicHalf_MayBeWrittenOut()
    {
        SetOnEverySilo("Audit__CheckpointPublicKeys__0", Keys(PublicKey));
        Assert.Empty(ComposeRules.Secrets(compose));
        Assert.Empty(ComposeRules.EnvironmentKeys(compose));
        Assert.Empty(ComposeRules.Audit(compose));
    }

    [Theory]
    [InlineData("silo-1", "TenantStorage__Regions__jp-west__ConnectionString", "Host=postgres-jp-west;Database=saasreference_jp_west;Username=u;Password=hunter2")]
    [InlineData("postgres-jp-east", "POSTGRES_PASSWORD", "${POSTGRES_PASSWORD:-changeme}")]
    [InlineData("silo-2", "TenantKeys__Local__Directory", "c2VjcmV0LWtleS1tYXRlcmlhbA==")]
    public void Secrets_LiteralInRegionSettings_IsReported(string service, string key, string value)
    {
        Set(compose.Services[service].Map("environment")!, key, new YamlScalarNode(value));
        Assert.Contains(ComposeRules.Secrets(compose), v => v.StartsWith(service + ":", StringComparison.Ordinal));
    }
}
