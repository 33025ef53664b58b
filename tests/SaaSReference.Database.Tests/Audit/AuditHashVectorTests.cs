using SaaSReference.Database.Audit;

namespace SaaSReference.Database.Tests.Audit;

/// <summary>
/// 12.4.2a: the chain's hash is exactly the canonical form docs/audit.md describes, so an offline verifier written from
/// the documentation (these vectors come from an independent implementation of it, in Python) agrees with the platform,
/// and records written by earlier versions keep verifying: a non-ASCII value, a null tenant and a value longer than the
/// stack buffer included.
/// </summary>
public sealed class AuditHashVectorTests
{
    [Fact]
    public void Hash_TenantRecord_MatchesTheDocumentedCanonicalForm()
    {
        var hash = AuditHash.Compute(new byte[32], "tenant:acme", 7, new DateTimeOffset(2026, 11, 26, 1, 2, 3, TimeSpan.Zero).AddTicks(1_234_560),
            "grain.state-changed", "info", "user-1", "acme", "records/n1", "success",
            new Dictionary<string, string> { ["method"] = "PutAsync", ["grain"] = "tenantrecord", ["durationMs"] = "1.5" });

        Assert.Equal("3b8269668014b7ee0a73de2c12dee4a48616e1245d61836937c706cbf2ffe10d", Convert.ToHexStringLower(hash));
    }

    [Fact]
    public void Hash_PlatformRecordWithNonAsciiAndLongValues_MatchesTheDocumentedCanonicalForm()
    {
        var prev = Enumerable.Range(0, 32).Select(i => (byte)i).ToArray();
        var hash = AuditHash.Compute(prev, "platform", 12, new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero), "audit.queried", "notice",
            "op-アリス", null, "/api/audit", "success",
            new SortedDictionary<string, string>(StringComparer.Ordinal) { ["filters"] = "テナント=" + new string('x', 600), ["returned"] = "0" });

        Assert.Equal("791e5e6ed3de13390f1dc148878c097c26dfe7293f26c1c6f5e77f0540fba242", Convert.ToHexStringLower(hash));
    }
}
