namespace SaaSReference.Identity.Tests.Security;

public sealed class TestUser
{
    public string Id { get; init; } = Guid.NewGuid().ToString("N");
    public string? UserName { get; set; }
    public string? NormalizedUserName { get; set; }
    public string? Email { get; set; }
    public string? NormalizedEmail { get; set; }
    public bool EmailConfirmed { get; set; }
    public string? AuthenticatorKey { get; set; }
    public string? PasswordHash { get; set; }
}
