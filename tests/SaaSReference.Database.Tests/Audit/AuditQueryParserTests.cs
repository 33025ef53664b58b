using SaaSReference.Database.Audit;

namespace SaaSReference.Database.Tests.Audit;

/// <summary>The query API's input rules (12.4.2b): bounded, and every error names its parameter.</summary>
public sealed class AuditQueryParserTests
{
    private static readonly DateTimeOffset Now = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    private static Dictionary<string, string[]> Errors(string? routeTenant, params (string Key, string Value)[] parameters) =>
        AuditQueryParser.Parse(parameters.Select(p => new KeyValuePair<string, string?>(p.Key, p.Value)), routeTenant, Now).Errors;

    [Fact]
    public void Parse_NoParameters_Last31DaysDefaultLimit()
    {
        var (query, errors) = AuditQueryParser.Parse([], "acme", Now);

        Assert.Empty(errors);
        Assert.Equal(("acme", Now, Now - TimeSpan.FromDays(31), 50), (query!.TenantId, query.To, query.From, query.Limit));
    }

    [Theory]
    [InlineData("limit", "0")]
    [InlineData("limit", "501")]
    [InlineData("limit", "ten")]
    [InlineData("cursor", "not-a-cursor")]
    [InlineData("type", "no.such-type")]
    [InlineData("from", "yesterday")]
    [InlineData("colour", "red")]
    public void Parse_BadParameter_ErrorNamesIt(string key, string value) =>
        Assert.True(Errors(null, (key, value)).ContainsKey(key));

    [Fact]
    public void Parse_RangeOver31Days_Refused() =>
        Assert.Contains("to", Errors(null, ("from", "2026-01-01T00:00:00Z"), ("to", "2026-02-15T00:00:00Z")).Keys);

    [Fact]
    public void Parse_TenantParameterOnTenantRoute_Refused() =>
        Assert.Contains("tenant", Errors("acme", ("tenant", "other")).Keys);

    [Fact]
    public void Cursor_RoundTrip_SameValues()
    {
        var cursor = new AuditCursor(Now, "tenant:acme", 42);
        Assert.Equal(cursor, AuditCursor.TryDecode(cursor.Encode()));
    }
}
