using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using SaaSReference.Silo.Security;
using SaaSReference.Silo.Tests.Security;

namespace SaaSReference.Silo.Tests.TenantData;

/// <summary>
/// A secured silo whose terminations have a grace period of seconds (<c>TenantTermination:GracePeriod</c>) and whose executor
/// polls four times a second: the silo of <see cref="SecuredSiloFactory"/> with those two settings added.
/// </summary>
public sealed class TerminationSilo : IAsyncLifetime
{
    public static readonly TimeSpan GracePeriod = TimeSpan.FromSeconds(4);

    private readonly SecuredSiloFactory _secured = new();
    private WebApplicationFactory<Program>? _app;

    public WebApplicationFactory<Program> App => _app ?? throw new InvalidOperationException("Not started.");

    public TokenMinter Tokens => _secured.Tokens;

    public string PlatformConnectionString => _secured.ConnectionString;

    public string RegionConnectionString(string region) => _secured.RegionConnectionString(region);

    public T Service<T>() where T : notnull => App.Services.GetRequiredService<T>();

    public async Task InitializeAsync()
    {
        await ((IAsyncLifetime)_secured).InitializeAsync();
        _app = _secured.WithWebHostBuilder(builder =>
        {
            builder.UseSetting("TenantTermination:GracePeriod", GracePeriod.ToString("c", System.Globalization.CultureInfo.InvariantCulture));
            builder.UseSetting("TenantTermination:PollInterval", "00:00:00.250");
        });
    }

    public Task DisposeAsync() => ((IAsyncLifetime)_secured).DisposeAsync();

    public HttpClient Client(string token)
    {
        var client = App.CreateClient();
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    public HttpClient Operator(string subject = "op-alice") => Client(Tokens.Operator(subject));

    public HttpClient Admin(string tenantId, string subject) => Client(Tokens.TenantAdmin(tenantId, subject));

    /// <summary>An approver signed in with password and TOTP, as the identity service issues it.</summary>
    public HttpClient Approver(string subject) => Client(Tokens.Mint(new Dictionary<string, object>
    {
        ["sub"] = subject,
        ["role"] = new[] { Roles.Approver },
        ["amr"] = new[] { "pwd", "otp", "mfa" },
    }));
}

[CollectionDefinition(Name)]
public sealed class TerminationCollection : ICollectionFixture<TerminationSilo>
{
    public const string Name = "Tenant termination";
}
