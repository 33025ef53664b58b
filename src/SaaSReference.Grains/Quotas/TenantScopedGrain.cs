using Microsoft.Extensions.DependencyInjection;
using SaaSReference.Contracts.Quotas;

namespace SaaSReference.Grains.Quotas;

/// <summary>
/// The base of every grain that works for one tenant: its calls pass <see cref="TenantQuotaCallFilter"/>
/// (through <see cref="ITenantScopedGrain"/>), and its activations are counted per tenant for the
/// <c>saasref.tenant.activations</c> metric (12.1.3d).
/// </summary>
public abstract class TenantScopedGrain : Grain, ITenantScopedGrain
{
    private TenantUsageMeter? _meter;

    /// <summary>The tenant this grain works for: its key up to the first '/'.</summary>
    protected string TenantId => TenantQuotaCallFilter.TenantOf(this.GetGrainId());

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _meter = ServiceProvider.GetService<TenantUsageMeter>();
        _meter?.Activated(TenantId);
        return base.OnActivateAsync(cancellationToken);
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        _meter?.Deactivated(TenantId);
        return base.OnDeactivateAsync(reason, cancellationToken);
    }
}
