using System.Net;
using Npgsql;
using SaaSReference.Identity.Tests.Infrastructure;

namespace SaaSReference.Identity.Tests.Protocol;

/// <summary>Access 10 minutes; refresh 8 hours sliding, never past 24 hours from the sign-in (see TokenLifetimes).</summary>
[Collection(ProtocolCollection.Name)]
public sealed class TokenLifetimeTests(IdentityEnvironment environment)
{
    private IdentityFactory Identity => environment.Identity;

    [Fact]
    public async Task Lifetimes_SignIn_AccessTenMinutesRefreshEightHours()
    {
        var user = await TestUsers.CreateAsync(Identity);
        var http = Identity.CreateHttpClient();

        var tokens = await OAuth.SignInAsync(http, user.Email!);

        Assert.Equal(600, tokens.Body.GetProperty("expires_in").GetInt32(), tolerance: 2);
        Assert.Equal(TimeSpan.FromHours(8).TotalSeconds, await LifetimeAsync(http, tokens.RefreshToken), tolerance: 5);
    }

    [Fact]
    public async Task Lifetimes_RefreshNearTheAbsoluteLimit_RefreshTokenEndsAtTheLimit()
    {
        var user = await TestUsers.CreateAsync(Identity);
        var http = Identity.CreateHttpClient();
        var tokens = await OAuth.SignInAsync(http, user.Email!);
        await SignedInAgoAsync(user.Id, TimeSpan.FromHours(21));

        var refreshed = await OAuth.RefreshAsync(http, tokens.RefreshToken);

        Assert.Equal(HttpStatusCode.OK, refreshed.Status);
        Assert.Equal(TimeSpan.FromHours(3).TotalSeconds, await LifetimeAsync(http, refreshed.RefreshToken), tolerance: 60);
    }

    /// <summary>exp − iat of a refresh token, from the gateway's own introspection of it.</summary>
    private static async Task<double> LifetimeAsync(HttpClient http, string refreshToken)
    {
        var introspection = await OAuth.IntrospectAsync(http, refreshToken, TestSeed.GatewayClientId, TestSeed.GatewaySecret);
        Assert.True(introspection.Body.GetProperty("active").GetBoolean(), introspection.Body.ToString());
        return introspection.Body.GetProperty("exp").GetInt64() - introspection.Body.GetProperty("iat").GetInt64();
    }

    private async Task SignedInAgoAsync(string userId, TimeSpan ago)
    {
        await using var dataSource = NpgsqlDataSource.Create(environment.ConnectionString);
        await using var command = dataSource.CreateCommand(
            "UPDATE identity.\"OpenIddictAuthorizations\" SET \"CreationDate\" = now() - $2 WHERE \"Subject\" = $1");
        command.Parameters.Add(new() { Value = userId });
        command.Parameters.Add(new() { Value = ago });
        Assert.Equal(1, await command.ExecuteNonQueryAsync());
    }
}
