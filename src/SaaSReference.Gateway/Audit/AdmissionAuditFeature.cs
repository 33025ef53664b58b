using SaaSReference.Gateway.RateLimiting;

namespace SaaSReference.Gateway.Audit;

/// <summary>Why the admission control itself refused a request, if it did.</summary>
public enum AdmissionRefusal
{
    None,
    RateLimited,
    Frozen,
    Terminated,
}

/// <summary>
/// What the admission control learnt about a request, for <see cref="RefusalAuditMiddleware"/>: the caller it
/// validated (so a refusal is counted per tenant without validating the token again) and its own refusal, if any.
/// </summary>
public sealed class AdmissionAuditFeature(Caller caller)
{
    public Caller Caller { get; } = caller;

    public AdmissionRefusal Refusal { get; set; }
}
