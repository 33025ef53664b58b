using SaaSReference.Grains.Audit;
using SaaSReference.Silo.Security;

namespace SaaSReference.Silo.Audit;

/// <summary>
/// After authentication: the validated caller's subject goes into the Orleans request context for the grain
/// calls of this request, so that the audit call filter can attribute them (12.4.3a). Only this trusted API layer
/// sets it; grains never authorise by it (<see cref="AuditCallContext"/>).
/// </summary>
public sealed class AuditActor(RequestDelegate next)
{
    public async Task InvokeAsync(HttpContext http)
    {
        ArgumentNullException.ThrowIfNull(http);
        if (http.User.Identity?.IsAuthenticated != true)
        {
            await next(http);
            return;
        }
        using (AuditCallContext.Begin(Of(http.User)))
        {
            await next(http);
        }
    }

    public static string Of(System.Security.Claims.ClaimsPrincipal user) =>
        user.FindFirst(PlatformClaims.Subject)?.Value ?? user.Identity?.Name ?? "unknown";
}
