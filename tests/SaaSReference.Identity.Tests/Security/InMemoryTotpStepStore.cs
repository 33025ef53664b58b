using SaaSReference.Identity.Security;

namespace SaaSReference.Identity.Tests.Security;

/// <summary>The contract of <see cref="ITotpStepStore"/> without a database, for the provider's unit tests.</summary>
public sealed class InMemoryTotpStepStore : ITotpStepStore
{
    private readonly Dictionary<string, long> _lastSteps = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    public Task<bool> TryConsumeAsync(string userId, long step, CancellationToken ct)
    {
        lock (_gate)
        {
            if (_lastSteps.TryGetValue(userId, out var last) && last >= step)
            {
                return Task.FromResult(false);
            }
            _lastSteps[userId] = step;
            return Task.FromResult(true);
        }
    }

    public Task ResetAsync(string userId, CancellationToken ct)
    {
        lock (_gate)
        {
            _lastSteps.Remove(userId);
        }
        return Task.CompletedTask;
    }
}
