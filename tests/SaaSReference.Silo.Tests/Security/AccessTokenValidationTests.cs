using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.IdentityModel.Tokens;
using Npgsql;
using SaaSReference.Database.Keys;
using SaaSReference.Silo.Security;

namespace SaaSReference.Silo.Tests.Security;

/// <summary>The validation parameters themselves: what a misconfiguration does (fails closed).</summary>
public sealed class AccessTokenValidationTests
{
    [Theory]
    [InlineData("http://127.0.0.1:8080/identity/", "http://127.0.0.1:8080/identity/")]
    [InlineData("http://127.0.0.1:8080/identity", "http://127.0.0.1:8080/identity/")]
    [InlineData("", null)]
    [InlineData(null, null)]
    public void NormalizeIssuer_MatchesTheIdentityServicesForm(string? configured, string? expected) =>
        Assert.Equal(expected, AccessTokenValidation.NormalizeIssuer(configured));

    [Fact]
    public void Configure_NoIssuerNoAudience_RefusesEveryIssuerAndUsesDefaultAudience()
    {
        var options = Configure(new Dictionary<string, string?>());
        var parameters = options.TokenValidationParameters;

        Assert.Null(parameters.ValidIssuer);
        Assert.True(parameters.ValidateIssuer);
        Assert.Equal(AccessTokenValidation.DefaultAudience, parameters.ValidAudience);
    }

    [Fact]
    public void Configure_Configured_Rs256AccessTokensOnlyWithThirtySecondSkew()
    {
        var options = Configure(new Dictionary<string, string?> { ["Identity:Issuer"] = "http://id/", ["Identity:Audience"] = "api-x" });
        var parameters = options.TokenValidationParameters;

        Assert.Equal(("http://id/", "api-x"), (parameters.ValidIssuer, parameters.ValidAudience));
        Assert.Equal([SecurityAlgorithms.RsaSha256], parameters.ValidAlgorithms);
        Assert.Equal(["at+jwt", "application/at+jwt"], parameters.ValidTypes);
        Assert.Equal(TimeSpan.FromSeconds(30), parameters.ClockSkew);
        Assert.True(parameters.RequireSignedTokens && parameters.RequireExpirationTime && parameters.ValidateLifetime);
        Assert.Equal(("sub", "role"), (parameters.NameClaimType, parameters.RoleClaimType));
        Assert.False(options.MapInboundClaims);
        Assert.Null(options.Authority);
        Assert.Null(options.MetadataAddress);
    }

    private static JwtBearerOptions Configure(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        // Never queried here: the data source only has to exist.
        using var source = NpgsqlDataSource.Create("Host=127.0.0.1;Database=unused");
        using var keys = new SigningKeyCache(new SigningKeyStore(source), TimeProvider.System, NullLogger<SigningKeyCache>.Instance);
        var options = new JwtBearerOptions();
        AccessTokenValidation.Configure(options, configuration, keys);
        return options;
    }
}
