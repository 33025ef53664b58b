namespace SaaSReference.Load.Engine;

/// <summary>
/// The outcome of one step invocation. <see cref="StatusCode"/> is the HTTP status, 0 for a transport failure
/// (no response) and -1 for a request the runner itself did not send (in-flight limit, target refused).
/// </summary>
public readonly record struct StepResult(bool IsOk, int StatusCode, string? Reason)
{
    public static StepResult Ok(int statusCode = 200) => new(true, statusCode, null);

    public static StepResult Fail(int statusCode, string reason) => new(false, statusCode, reason);
}
