namespace SaaSReference.Database.TenantData.Keys;

/// <summary>
/// The provisioning step that gives a new tenant its first data key (10.1.2b): version 1, created at the key provider and
/// recorded in <c>platform.tenant_keys</c>. Idempotent, like every provisioning step.
/// </summary>
public sealed class TenantKeyProvisioningStep(TenantKeyManager keys) : ITenantProvisioningStep
{
    public Task ProvisionAsync(TenantStorageLocation location, string actor, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(location);
        return keys.EnsureProvisionedAsync(location.TenantId, actor, cancellationToken);
    }
}
