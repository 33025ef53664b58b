using Microsoft.Extensions.Options;
using OpenIddict.Abstractions;
using SaaSReference.Identity.Data;
using SaaSReference.Identity.OpenIddict;
using SaaSReference.Identity.Tenants;

namespace SaaSReference.Identity.Seeding;

/// <summary>
/// The configured clients. The gateway's and the API's are brought in line with configuration at every start
/// (a rotated secret or a new redirect URI takes effect on restart); demo machine clients are only created, and only
/// while their tenant has fewer than its machine-client limit (12.1.3c): one more is skipped with a warning.
/// </summary>
public sealed partial class ClientSeeder(IOpenIddictApplicationManager applications, IOptions<GatewayClientOptions> gateway,
    IOptions<ApiClientOptions> api, IOptions<SeedOptions> seed, TenantQuotas quotas, ILogger<ClientSeeder> logger)
{
    public async Task SeedAsync(CancellationToken cancellationToken)
    {
        var gatewayOptions = gateway.Value;
        if (string.IsNullOrEmpty(gatewayOptions.ClientSecret))
        {
            logger.LogWarning("Identity:Clients:Gateway:ClientSecret is not set: the gateway client is not registered.");
        }
        else
        {
            await UpsertAsync(ClientDescriptors.Gateway(gatewayOptions.ClientId, gatewayOptions.ClientSecret,
                gatewayOptions.RedirectUris.Select(AbsoluteUri), gatewayOptions.PostLogoutRedirectUris.Select(AbsoluteUri)), cancellationToken);
        }

        if (api.Value is { ClientSecret: { Length: > 0 } apiSecret } apiOptions)
        {
            await UpsertAsync(ClientDescriptors.ApiResource(apiOptions.ClientId, apiSecret), cancellationToken);
        }

        foreach (var machine in seed.Value.MachineClients)
        {
            if (string.IsNullOrWhiteSpace(machine.ClientId) || string.IsNullOrEmpty(machine.ClientSecret) || !TenantIds.IsValid(machine.TenantId))
            {
                throw new InvalidOperationException($"Identity:Seed:MachineClients entry '{machine.ClientId}' needs a ClientId, a ClientSecret and a valid TenantId.");
            }
            if (await applications.FindByClientIdAsync(machine.ClientId, cancellationToken) is null)
            {
                // 12.1.3c: counted under the seeder's advisory lock, so two instances starting together count alike.
                if (await quotas.CheckMachineClientsAsync(machine.TenantId, cancellationToken) is { } exceeded)
                {
                    LogQuotaFull(logger, machine.ClientId, exceeded.Description);
                    await quotas.ReportAsync(machine.TenantId, exceeded, "seeding", cancellationToken);
                    continue;
                }
                await applications.CreateAsync(ClientDescriptors.Machine(machine.ClientId, machine.ClientSecret, machine.TenantId), cancellationToken);
                IdentitySeeder.LogCreated(logger, "machine client", machine.ClientId);
            }
        }
    }

    private async Task UpsertAsync(OpenIddictApplicationDescriptor descriptor, CancellationToken cancellationToken)
    {
        var existing = await applications.FindByClientIdAsync(descriptor.ClientId!, cancellationToken);
        if (existing is null)
        {
            await applications.CreateAsync(descriptor, cancellationToken);
            IdentitySeeder.LogCreated(logger, "client", descriptor.ClientId!);
        }
        else
        {
            await applications.UpdateAsync(existing, descriptor, cancellationToken);
        }
    }

    private static Uri AbsoluteUri(string value) => new(value, UriKind.Absolute);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Not seeding machine client {ClientId}: {Reason}")]
    private static partial void LogQuotaFull(ILogger logger, string clientId, string reason);
}
