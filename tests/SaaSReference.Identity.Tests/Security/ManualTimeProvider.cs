namespace SaaSReference.Identity.Tests.Security;

/// <summary>A clock the test sets; the provider reads only <see cref="GetUtcNow"/>.</summary>
public sealed class ManualTimeProvider(DateTimeOffset now) : TimeProvider
{
    public DateTimeOffset Now { get; set; } = now;

    public override DateTimeOffset GetUtcNow() => Now;
}
