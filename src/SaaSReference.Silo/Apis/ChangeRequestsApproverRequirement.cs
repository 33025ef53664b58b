using System.Security.Claims;
using Microsoft.AspNetCore.Authorization;
using SaaSReference.Silo.Security;

namespace SaaSReference.Silo.Apis;

/// <summary>
/// Who may decide (approve or reject) a change request (6.1.2a, 9.1.1c, 12.1.2f): a person with the approver role
/// whose sign-in included a second factor (<c>amr</c> contains <c>mfa</c>, which the identity service adds after a
/// TOTP code or a recovery code). Never the bootstrap operator key, and never a principal that also holds the
/// operator role (the identity service refuses that combination; this is the second line). That the decider is
/// not the requester is checked against the request itself (<see cref="ChangeRequestsDecisions"/>).
/// </summary>
public sealed class ChangeRequestsApproverRequirement : IAuthorizationRequirement
{
    public const string MethodClaim = "amr";
    public const string MultiFactorMethod = "mfa";

    /// <summary>Why <paramref name="user"/> may not decide change requests, or null when it may.</summary>
    public static string? Refusal(ClaimsPrincipal user)
    {
        ArgumentNullException.ThrowIfNull(user);
        if (user.Identity is not { IsAuthenticated: true } identity || string.IsNullOrEmpty(identity.Name))
        {
            return "Not authenticated.";
        }
        if (identity.AuthenticationType == OperatorKeyAuthenticationHandler.SchemeName
            || identity.Name == OperatorKeyAuthenticationHandler.PrincipalName)
        {
            return "The bootstrap operator key can never approve a change.";
        }
        if (!user.IsInRole(Roles.Approver))
        {
            return "Only the approver role may decide change requests.";
        }
        if (user.IsInRole(Roles.Operator))
        {
            return "A principal that holds the operator role may not decide change requests.";
        }
        return user.HasClaim(MethodClaim, MultiFactorMethod)
            ? null
            : "Deciding a change request needs a sign-in with multi-factor authentication.";
    }
}

/// <summary>Evaluates <see cref="ChangeRequestsApproverRequirement"/> and records each refusal as a security event.</summary>
public sealed class ChangeRequestsApproverHandler(ChangeRequestsAudit audit) : AuthorizationHandler<ChangeRequestsApproverRequirement>
{
    protected override async Task HandleRequirementAsync(AuthorizationHandlerContext context, ChangeRequestsApproverRequirement requirement)
    {
        if (ChangeRequestsApproverRequirement.Refusal(context.User) is not { } reason)
        {
            context.Succeed(requirement);
            return;
        }
        var id = context.Resource is HttpContext http && Guid.TryParse(http.GetRouteValue("id") as string, out var parsed) ? parsed : (Guid?)null;
        await audit.Refusal(context.User.Identity?.Name ?? "anonymous", id, null, null, reason);
        context.Fail(new AuthorizationFailureReason(this, reason));
    }
}
