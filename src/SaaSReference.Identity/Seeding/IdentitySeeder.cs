using Microsoft.AspNetCore.Identity;
using Npgsql;
using OpenIddict.Abstractions;
using SaaSReference.Identity.Data;
using SaaSReference.Identity.OpenIddict;

namespace SaaSReference.Identity.Seeding;

/// <summary>
/// Puts the identity service's fixed data in place at start, before requests are served: the roles, the
/// <c>api</c> scope, the configured clients and the optional demo data. Idempotent; two instances starting
/// together queue on a PostgreSQL advisory lock, so only one creates each item (9.1.1a).
/// </summary>
public sealed partial class IdentitySeeder(IServiceScopeFactory scopes, NpgsqlDataSource dataSource, ILogger<IdentitySeeder> logger)
    : IHostedService
{
    // "SAASSEED" in ASCII.
    private const long LockKey = 0x5341_4153_5345_4544;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        // Session-level on a connection of its own, held while the managers below use other pooled connections.
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using (var take = new NpgsqlCommand("SELECT pg_advisory_lock($1)", connection))
        {
            take.Parameters.Add(new() { Value = LockKey });
            await take.ExecuteNonQueryAsync(cancellationToken);
        }
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var services = scope.ServiceProvider;
            await SeedRolesAsync(services.GetRequiredService<RoleManager<IdentityRole>>());
            await SeedApiScopeAsync(services.GetRequiredService<IOpenIddictScopeManager>(), cancellationToken);
            await services.GetRequiredService<ClientSeeder>().SeedAsync(cancellationToken);
            await services.GetRequiredService<UserSeeder>().SeedAsync(cancellationToken);
        }
        finally
        {
            await using var release = new NpgsqlCommand("SELECT pg_advisory_unlock($1)", connection);
            release.Parameters.Add(new() { Value = LockKey });
            await release.ExecuteNonQueryAsync(CancellationToken.None);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private async Task SeedRolesAsync(RoleManager<IdentityRole> roles)
    {
        foreach (var name in PlatformRoles.All)
        {
            if (!await roles.RoleExistsAsync(name))
            {
                var result = await roles.CreateAsync(new IdentityRole(name));
                SeedFailure.ThrowIfFailed(result, $"role '{name}'");
                LogCreated(logger, "role", name);
            }
        }
    }

    private async Task SeedApiScopeAsync(IOpenIddictScopeManager manager, CancellationToken cancellationToken)
    {
        if (await manager.FindByNameAsync(PlatformScopes.Api, cancellationToken) is not null)
        {
            return;
        }
        await manager.CreateAsync(new OpenIddictScopeDescriptor
        {
            Name = PlatformScopes.Api,
            DisplayName = "The SaaSReference platform API",
            // The audience of the access tokens that carry this scope; the silos accept only these.
            Resources = { PlatformScopes.ApiResource },
        }, cancellationToken);
        LogCreated(logger, "scope", PlatformScopes.Api);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Seeded {Kind} {Name}.")]
    internal static partial void LogCreated(ILogger logger, string kind, string name);
}

internal static class SeedFailure
{
    public static void ThrowIfFailed(IdentityResult result, string what)
    {
        if (!result.Succeeded)
        {
            throw new InvalidOperationException(
                $"Seeding {what} failed: {string.Join("; ", result.Errors.Select(e => e.Code + ": " + e.Description))}");
        }
    }
}
