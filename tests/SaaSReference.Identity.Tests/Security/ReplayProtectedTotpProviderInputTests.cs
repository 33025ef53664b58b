using System.Globalization;
using SaaSReference.Identity.Security;

namespace SaaSReference.Identity.Tests.Security;

/// <summary>What the provider accepts as a code, and for whom (9.2.3a).</summary>
public sealed class ReplayProtectedTotpProviderInputTests : TotpProviderTestBase
{
    [Fact]
    public async Task Provider_WrongCode_RefusedWithoutConsumingTheStep()
    {
        var (user, secret) = await Identity.CreateUserWithKeyAsync();
        var code = Totp.Compute(secret, Now);
        var window = new[] { Now - 1, Now, Now + 1 }.Select(step => Totp.Compute(secret, step)).ToHashSet();
        var wrong = Enumerable.Range(int.Parse(code, CultureInfo.InvariantCulture) + 1, 4)
            .Select(value => (value % 1_000_000).ToString("D6", CultureInfo.InvariantCulture))
            .First(candidate => !window.Contains(candidate));

        Assert.False(await VerifyAsync(user, wrong));
        Assert.True(await VerifyAsync(user, code));
    }

    [Fact]
    public async Task Provider_CodeOfAnotherUsersKey_Refused()
    {
        var (alice, _) = await Identity.CreateUserWithKeyAsync("alice");
        var (_, bobSecret) = await Identity.CreateUserWithKeyAsync("bob");

        Assert.False(await VerifyAsync(alice, Totp.Compute(bobSecret, Now)));
    }

    [Fact]
    public async Task Provider_TwoUsersSameStep_BothAccepted()
    {
        var (alice, aliceSecret) = await Identity.CreateUserWithKeyAsync("alice");
        var (bob, bobSecret) = await Identity.CreateUserWithKeyAsync("bob");

        Assert.True(await VerifyAsync(alice, Totp.Compute(aliceSecret, Now)));
        Assert.True(await VerifyAsync(bob, Totp.Compute(bobSecret, Now)));
    }

    [Theory]
    [InlineData("first five")]
    [InlineData("extra digit")]
    [InlineData("leading zero")]
    [InlineData("letter")]
    [InlineData("arabic-indic digits")]
    [InlineData("empty")]
    public async Task Provider_MalformedCode_Refused(string variant)
    {
        var (user, secret) = await Identity.CreateUserWithKeyAsync();
        var code = Totp.Compute(secret, Now);
        var token = variant switch
        {
            "first five" => code[..5],
            "extra digit" => code + "0",
            "leading zero" => "0" + code,
            "letter" => code[..5] + "x",
            "arabic-indic digits" => new string([.. code.Select(c => (char)('\u0660' + (c - '0')))]),
            _ => string.Empty,
        };

        Assert.False(await VerifyAsync(user, token));
    }

    [Fact]
    public async Task Provider_CodeTypedInTwoGroups_Accepted()
    {
        var (user, secret) = await Identity.CreateUserWithKeyAsync();
        var code = Totp.Compute(secret, Now);

        Assert.True(await VerifyAsync(user, $"{code[..3]} {code[3..]}"));
    }

    [Fact]
    public async Task Provider_UserWithoutKey_CannotGenerateAndRefusesCodes()
    {
        var user = new TestUser { UserName = "carol" };
        TestIdentity.AssertSucceeded(await Identity.Users.CreateAsync(user));
        var provider = new ReplayProtectedTotpProvider<TestUser>(new InMemoryTotpStepStore(), Clock);

        Assert.False(await provider.CanGenerateTwoFactorTokenAsync(Identity.Users, user));
        Assert.False(await provider.ValidateAsync(Purpose, "123456", Identity.Users, user));
    }

    [Fact]
    public async Task Provider_UserWithKey_CanGenerateButGeneratesNothing()
    {
        var (user, _) = await Identity.CreateUserWithKeyAsync();
        var provider = new ReplayProtectedTotpProvider<TestUser>(new InMemoryTotpStepStore(), Clock);

        Assert.True(await provider.CanGenerateTwoFactorTokenAsync(Identity.Users, user));
        Assert.Equal(string.Empty, await provider.GenerateAsync(Purpose, Identity.Users, user));
    }
}
