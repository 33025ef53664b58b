using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Npgsql;
using SaaSReference.Identity.Security;

namespace SaaSReference.Identity.Tests.Security;

/// <summary>The wiring replaces Identity's replayable authenticator and its composition rules (6.2.1d, 9.2.3a).</summary>
public sealed class SecurityServiceCollectionExtensionsTests
{
    private static ServiceProvider Build(Action<IdentityBuilder>? after = null)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddDataProtection();
        services.AddSingleton<IUserStore<TestUser>, InMemoryUserStore>();
        services.AddSingleton(NpgsqlDataSource.Create("Host=127.0.0.1;Database=unused"));
        var builder = services.AddIdentityCore<TestUser>().AddPlatformMfaAndPasswords<TestUser>();
        after?.Invoke(builder);
        return services.BuildServiceProvider(validateScopes: true);
    }

    [Fact]
    public void Registration_EvenWithDefaultProvidersAddedLater_AuthenticatorIsReplayProtected()
    {
        using var services = Build(builder => builder.AddDefaultTokenProviders());
        var tokens = services.GetRequiredService<IOptions<IdentityOptions>>().Value.Tokens;
        const string name = ReplayProtectedTotpProvider<TestUser>.ProviderName;

        Assert.Equal(name, tokens.AuthenticatorTokenProvider);
        Assert.Equal(typeof(ReplayProtectedTotpProvider<TestUser>), tokens.ProviderMap[name].ProviderType);
        Assert.Equal(typeof(ReplayProtectedTotpProvider<TestUser>), tokens.ProviderMap[TokenOptions.DefaultAuthenticatorProvider].ProviderType);
    }

    [Fact]
    public void Registration_PasswordOptions_HaveNoCompositionRules()
    {
        using var services = Build();
        var password = services.GetRequiredService<IOptions<IdentityOptions>>().Value.Password;

        Assert.False(password.RequireDigit || password.RequireLowercase || password.RequireUppercase || password.RequireNonAlphanumeric);
        Assert.Equal(12, password.RequiredLength);
        Assert.Equal(1, password.RequiredUniqueChars);
    }

    [Fact]
    public async Task Registration_ShortPassword_OnePolicyErrorOnly()
    {
        using var services = Build();
        await using var scope = services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<TestUser>>();

        var validator = Assert.Single(users.PasswordValidators);
        Assert.IsType<PasswordPolicyValidator<TestUser>>(validator);
        var result = await users.CreateAsync(new TestUser { UserName = "alice" }, "Sh0rt!");
        var error = Assert.Single(result.Errors);
        Assert.Equal(PasswordPolicy.TooShort, error.Code);
        Assert.False(string.IsNullOrWhiteSpace(error.Description));
    }

    [Theory]
    [InlineData("correct horse battery staple", true)]
    [InlineData("alice in the garden at noon", false)]
    [InlineData("password1234", false)]
    public async Task Registration_CreateUserWithPassword_AppliesPolicy(string password, bool succeeds)
    {
        using var services = Build();
        await using var scope = services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<TestUser>>();

        var result = await users.CreateAsync(new TestUser { UserName = "alice", Email = "alice@example.com" }, password);

        Assert.Equal(succeeds, result.Succeeded);
    }

    [Fact]
    public void Registration_DefaultServices_PostgresStoreAndSystemClock()
    {
        using var services = Build();

        Assert.IsType<PostgresTotpStepStore>(services.GetRequiredService<ITotpStepStore>());
        Assert.Same(TimeProvider.System, services.GetRequiredService<TimeProvider>());
    }
}
