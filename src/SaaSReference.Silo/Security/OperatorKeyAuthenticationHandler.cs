using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace SaaSReference.Silo.Security;

/// <summary>
/// Until single sign-on lands, platform operators authenticate with the configured bootstrap key in the
/// <c>X-Operator-Key</c> header. The key is compared in constant time; without a configured key nobody
/// is authenticated (fail closed). The principal carries the <c>operator</c> role, so the endpoints'
/// policies stay as they are when tokens replace the key.
/// </summary>
public sealed class OperatorKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory loggerFactory,
    UrlEncoder encoder,
    IConfiguration configuration) : AuthenticationHandler<AuthenticationSchemeOptions>(options, loggerFactory, encoder)
{
    public const string SchemeName = "OperatorKey";
    public const string HeaderName = "X-Operator-Key";
    public const string PrincipalName = "bootstrap-operator";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (!Request.Headers.TryGetValue(HeaderName, out var presented) || presented.Count != 1 || string.IsNullOrEmpty(presented[0]))
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }
        var configured = configuration["Platform:BootstrapKey"];
        if (string.IsNullOrEmpty(configured) || !FixedTimeEquals(configured, presented[0]!))
        {
            return Task.FromResult(AuthenticateResult.Fail("The operator key is not valid."));
        }
        var identity = new ClaimsIdentity(
            [new Claim(ClaimTypes.Name, PrincipalName), new Claim(ClaimTypes.Role, Roles.Operator)],
            SchemeName);
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName)));
    }

    private static bool FixedTimeEquals(string expected, string presented)
    {
        // Hash both sides so that the comparison time does not depend on the lengths either.
        var a = SHA256.HashData(Encoding.UTF8.GetBytes(expected));
        var b = SHA256.HashData(Encoding.UTF8.GetBytes(presented));
        return CryptographicOperations.FixedTimeEquals(a, b);
    }
}
