using System.Security.Cryptography;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using OpenIddict.Abstractions;
using SaaSReference.Identity.Data;
using SaaSReference.Identity.Events;

namespace SaaSReference.Identity.Api;

/// <summary>
/// An administrator's password reset: a random temporary password, shown once, that must be changed at the next
/// sign-in; every token and grant of the account is revoked, since a reset usually means the old password leaked
/// (13.2.2d).
/// </summary>
internal static class PasswordResets
{
    // No look-alike characters (0/O, 1/l/I): the password is read out or typed by a person.
    private const string Alphabet = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKMNPQRSTUVWXYZ23456789";

    public static async Task<Results<Ok<PasswordResetResponse>, ProblemHttpResult, ValidationProblem>> ResetAsync(
        string id, HttpContext http, UserManager<PlatformUser> users, IOpenIddictAuthorizationManager authorizations,
        IOpenIddictTokenManager tokens, ISecurityEventSink events)
    {
        var caller = UserAdministrator.From(http.User);
        var user = await users.FindByIdAsync(id);
        // Another tenant's account is reported as missing: a tenant administrator learns nothing about it.
        if (user is null || !caller.May(user.TenantId, await users.GetRolesAsync(user)))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such user");
        }

        var temporary = NewTemporaryPassword();
        user.PasswordChangeRequired = true;
        var result = await users.ResetPasswordAsync(user, await users.GeneratePasswordResetTokenAsync(user), temporary);
        if (!result.Succeeded)
        {
            return TypedResults.ValidationProblem(result.Errors.GroupBy(e => e.Code).ToDictionary(g => g.Key, g => g.Select(e => e.Description).ToArray()));
        }
        await authorizations.RevokeBySubjectAsync(user.Id, http.RequestAborted);
        await tokens.RevokeBySubjectAsync(user.Id, http.RequestAborted);
        await events.RaiseAsync(new SecurityEvent(SecurityEventTypes.PasswordReset, user.Id, user.TenantId, null, SecurityEventOutcomes.Success,
            new Dictionary<string, string> { ["by"] = caller.UserId }), http.RequestAborted);
        return TypedResults.Ok(new PasswordResetResponse(user.Id, temporary, user.PasswordChangeRequired));
    }

    /// <summary>Four groups of five: 20 characters, about 114 bits, far from any common-password list.</summary>
    private static string NewTemporaryPassword() =>
        string.Join('-', Enumerable.Range(0, 4).Select(_ => RandomNumberGenerator.GetString(Alphabet, 5)));
}
