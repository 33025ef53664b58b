using System.Globalization;
using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using SaaSReference.Gateway.Session;
using SaaSReference.Testing;
using Xunit.Abstractions;

namespace SaaSReference.Gateway.Tests.Infrastructure;

/// <summary>One PostgreSQL server for every test that signs in (each test gets a database of its own).</summary>
[CollectionDefinition(Name)]
public sealed class PostgresCollection : ICollectionFixture<PostgresFixture>
{
    public const string Name = "postgres";
}

/// <summary>
/// The gateway with sign-in configured: a fake identity provider as the authority, a fresh database as the
/// session store, and the fake silos and identity instances behind it.
/// </summary>
public sealed class SignInStack : IAsyncDisposable
{
    public const string ClientSecret = "test-client-secret";

    // The claim that the cookie handler puts in the cookie's own ticket to name the stored one (not public API).
    private const string SessionIdClaim = "Microsoft.AspNetCore.Authentication.Cookies-SessionId";

    private SignInStack(FakeIdentityProvider identity, GatewayStack stack)
    {
        Identity = identity;
        Stack = stack;
    }

    public FakeIdentityProvider Identity { get; }
    public GatewayStack Stack { get; }
    public HttpClient Client => Stack.Client;
    public IServiceProvider Services => Stack.Host.Services;
    public PostgresTicketStore Store => Services.GetRequiredService<PostgresTicketStore>();

    /// <param name="postgres">The server the stack gets a fresh database on.</param>
    /// <param name="output">Where the stack reports timings.</param>
    /// <param name="settings">Laid over the sign-in settings (e.g. to switch on the admission control).</param>
    public static async Task<SignInStack> StartAsync(PostgresFixture postgres, ITestOutputHelper? output,
        IReadOnlyDictionary<string, string?>? settings = null)
    {
        var identity = new FakeIdentityProvider();
        await identity.StartAsync();
        var all = new Dictionary<string, string?>
        {
            ["ConnectionStrings:platform"] = await postgres.CreateDatabaseAsync("gw"),
            ["Gateway:Identity:Authority"] = identity.Authority,
            ["Gateway:Identity:ClientSecret"] = ClientSecret,
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            all[key] = value;
        }
        return new SignInStack(identity, await GatewayStack.StartAsync(output, all));
    }

    /// <summary>A signed-in user the way the OpenID Connect handler leaves one: claims from the id token.</summary>
    public static ClaimsPrincipal User(string name = "Ada", string tenant = "acme", params string[] roles) => new(new ClaimsIdentity(
        [new("sub", "user-1"), new("name", name), new("tenant_id", tenant), .. roles.Select(r => new Claim("role", r))],
        "AuthenticationTypes.Federation", "name", "role"));

    /// <summary>
    /// Stores a session as the cookie handler would after sign-in and returns its key and the <c>Cookie</c> header
    /// value a browser would send. The access token expires in <paramref name="accessTokenLifetime"/>.
    /// </summary>
    public async Task<(string Key, string Cookie)> SignInAsync(string accessToken = "access-1", string refreshToken = "refresh-1",
        TimeSpan? accessTokenLifetime = null, ClaimsPrincipal? user = null)
    {
        var now = DateTimeOffset.UtcNow;
        var properties = new AuthenticationProperties { IssuedUtc = now, ExpiresUtc = now.AddHours(8) };
        properties.StoreTokens(
        [
            new AuthenticationToken { Name = "access_token", Value = accessToken },
            new AuthenticationToken { Name = "refresh_token", Value = refreshToken },
            new AuthenticationToken { Name = "id_token", Value = "id-token-1" },
            new AuthenticationToken { Name = "token_type", Value = "Bearer" },
            new AuthenticationToken
            {
                Name = "expires_at",
                Value = now.Add(accessTokenLifetime ?? TimeSpan.FromHours(1)).ToString("o", CultureInfo.InvariantCulture),
            },
        ]);
        var key = await Store.StoreAsync(new AuthenticationTicket(user ?? User(), properties, SessionDefaults.CookieScheme));

        var cookie = Services.GetRequiredService<IOptionsMonitor<CookieAuthenticationOptions>>().Get(SessionDefaults.CookieScheme);
        var reference = new ClaimsPrincipal(new ClaimsIdentity([new Claim(SessionIdClaim, key)], cookie.ClaimsIssuer));
        var value = cookie.TicketDataFormat.Protect(new AuthenticationTicket(reference, SessionDefaults.CookieScheme));
        return (key, $"{SessionDefaults.CookieName}={value}");
    }

    public static HttpRequestMessage Request(HttpMethod method, string path, string? cookie = null, bool csrf = false, string? bearer = null)
    {
        var request = new HttpRequestMessage(method, path);
        if (cookie is not null)
        {
            request.Headers.Add("Cookie", cookie);
        }
        if (csrf)
        {
            request.Headers.Add(SessionDefaults.CsrfHeader, "1");
        }
        if (bearer is not null)
        {
            request.Headers.Authorization = new("Bearer", bearer);
        }
        if (method != HttpMethod.Get)
        {
            request.Content = new StringContent("{}", System.Text.Encoding.UTF8, "application/json");
        }
        return request;
    }

    public async ValueTask DisposeAsync()
    {
        await Stack.DisposeAsync();
        await Identity.DisposeAsync();
    }
}
