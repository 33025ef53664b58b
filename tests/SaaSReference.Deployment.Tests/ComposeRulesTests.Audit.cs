using SaaSReference.Deployment.Tests.Infrastructure;
using YamlDotNet.RepresentationModel;

namespace SaaSReference.Deployment.Tests;

/// <summary>The audit trail's deployment: the checkpoint signing key and the checkpoint log.</summary>
public sealed partial class ComposeRulesTests
{
    /// <summary>12.4.2a/b: one signing key on every silo, from a required variable, held by the silos alone; a checkpoint log.</summary>
    [Theory]
    [InlineData("no-key", "silo-2: Audit__CheckpointSigningKey is not set")]
    [InlineData("literal-key", "silo-1: Audit__CheckpointSigningKey is not a required")]
    [InlineData("other-variable", "silo-3 sets Audit__CheckpointSigningKey unlike silo-1")]
    [InlineData("identity-key", "identity-2 is given Audit__CheckpointSigningKey")]
    [InlineData("gateway-log", "gateway is given Audit__CheckpointDirectory")]
    [InlineData("key-reused", "gateway: Gateway__Identity__ClientSecret takes ${AUDIT_CHECKPOINT_SIGNING_KEY}")]
    [InlineData("no-log", "silo-1: Audit__CheckpointDirectory is not set")]
    [InlineData("log-differs", "silo-2 sets Audit__CheckpointDirectory unlike silo-1")]
    [InlineData("no-checkpoints", "silo-1: Audit:CheckpointInterval is 00:00:00")]
    [InlineData("bad-interval", "silo-1: Audit does not bind")]
    [InlineData("private-as-public", "silo-3: Audit__CheckpointPublicKeys__0 is not a P-256 public key")]
    [InlineData("public-keys-differ", "silo-3 sets Audit__CheckpointPublicKeys__0 unlike silo-1")]
    public void Audit_SigningKeyOrCheckpointLogBroken_IsReported(string breakage, string expected)
    {
        switch (breakage)
        {
            case "no-key":
                Remove(compose.Services["silo-2"].Map("environment")!, "Audit__CheckpointSigningKey");
                break;
            case "literal-key":
                SetOnEverySilo("Audit__CheckpointSigningKey", Keys(PrivateKey));
                break;
            case "other-variable":
                Set(compose.Services["silo-3"].Map("environment")!, "Audit__CheckpointSigningKey", new YamlScalarNode("${AUDIT_CHECKPOINT_SIGNING_KEY_3:?x}"));
                break;
            case "identity-key":
                Set(compose.Services["identity-2"].Map("environment")!, "Audit__CheckpointSigningKey", new YamlScalarNode("${AUDIT_CHECKPOINT_SIGNING_KEY:?x}"));
                break;
            case "gateway-log":
                Set(compose.Services["gateway"].Map("environment")!, "Audit__CheckpointDirectory", new YamlScalarNode("/var/lib/saasreference/audit-checkpoints"));
                break;
            case "key-reused":
                Set(compose.Services["gateway"].Map("environment")!, "Gateway__Identity__ClientSecret", new YamlScalarNode("${AUDIT_CHECKPOINT_SIGNING_KEY:?x}"));
                break;
            case "no-log":
                foreach (var silo in compose.ServicesOfRole("silo"))
                {
                    Remove(silo.Map("environment")!, "Audit__CheckpointDirectory");
                }
                break;
            case "log-differs":
                Set(compose.Services["silo-2"].Map("environment")!, "Audit__CheckpointDirectory", new YamlScalarNode("/var/lib/saasreference/audit-checkpoints/silo-2"));
                break;
            case "no-checkpoints":
                SetOnEverySilo("Audit__CheckpointInterval", "00:00:00");
                break;
            case "bad-interval":
                SetOnEverySilo("Audit__CheckpointInterval", "every minute");
                break;
            case "private-as-public":
                SetOnEverySilo("Audit__CheckpointPublicKeys__0", Keys(PrivateKey));
                break;
            case "public-keys-differ":
                SetOnEverySilo("Audit__CheckpointPublicKeys__0", Keys(PublicKey));
                Set(compose.Services["silo-3"].Map("environment")!, "Audit__CheckpointPublicKeys__0", new YamlScalarNode(Keys(OtherPublicKey)));
                break;
        }
        Assert.Contains(ComposeRules.Audit(compose), v => v.StartsWith(expected, StringComparison.Ordinal));
    }
}
