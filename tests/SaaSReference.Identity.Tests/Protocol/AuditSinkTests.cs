using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging.Abstractions;
using SaaSReference.Database.Audit;
using SaaSReference.Identity.Events;
using SaaSReference.Identity.Tests.Infrastructure;

namespace SaaSReference.Identity.Tests.Protocol;

/// <summary>
/// 9.1.2e, 12.4.3a: the identity service's security events reach the audit trail, with the tenant and the actor,
/// through the sink the service registers (no business code writes to the trail itself).
/// </summary>
[Collection(ProtocolCollection.Name)]
public sealed class AuditSinkTests(IdentityEnvironment environment)
{
    [Fact]
    public void Registration_TheServicesSink_IsTheAuditingOne()
    {
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().Build());
        services.AddLogging();
        services.AddAuditSecurityEvents(new ConfigurationBuilder().Build());
        // What the service does after it: the logging sink only if nothing else is registered.
        services.TryAddSingleton<ISecurityEventSink, LoggingSecurityEventSink>();
        var descriptor = services.Last(d => d.ServiceType == typeof(ISecurityEventSink));
        Assert.Equal(typeof(AuditSecurityEventSink), descriptor.ImplementationType);
    }

    [Fact]
    public async Task SignInEvent_WrittenToTheTenantsChain_WithActorAndOutcome()
    {
        var services = environment.Identity.Services;
        var trail = services.GetRequiredService<IAuditTrail>();
        var sink = new AuditSecurityEventSink(services.GetRequiredService<LoggingSecurityEventSink>(), trail, NullLogger<AuditSecurityEventSink>.Instance);
        var user = "user-" + Guid.NewGuid().ToString("N")[..8];
        var since = DateTimeOffset.UtcNow.AddSeconds(-1);

        await sink.RaiseAsync(new SecurityEvent(SecurityEventTypes.SignInSucceeded, user, "acme", null, SecurityEventOutcomes.Success,
            new Dictionary<string, string> { ["amr"] = "pwd,otp" }));
        await ((AuditWriter)trail).FlushAsync();

        var page = await services.GetRequiredService<AuditStore>().QueryAsync(
            new AuditQuery("acme", null, user, since, DateTimeOffset.UtcNow.AddSeconds(5), 10, null));
        var record = Assert.Single(page.Records);
        Assert.Equal("acme", record.TenantId);
        Assert.Equal(user, record.Actor);
        Assert.Equal(SecurityEventOutcomes.Success, record.Outcome);
        Assert.StartsWith("identity.", record.Type, StringComparison.Ordinal);
        Assert.Equal("pwd,otp", record.Fields["amr"]);
    }
}
