using SaaSReference.Contracts.Quotas;
using SaaSReference.Database.Quotas;
using SaaSReference.Silo.Security;

namespace SaaSReference.Silo.Apis;

/// <summary>A stored version of the platform configuration (12.1.2g).</summary>
public sealed record PlatformConfigurationResponse(int Version, bool Current, PlatformSettings Settings, DateTimeOffset CreatedAt,
    string RequestedBy, string? ApprovedBy, string Note);

/// <summary>One line of the configuration's history.</summary>
public sealed record PlatformConfigurationVersionSummary(int Version, bool Current, DateTimeOffset CreatedAt, string RequestedBy, string? ApprovedBy, string Note);

/// <summary>Every version, newest first.</summary>
public sealed record PlatformConfigurationHistory(IReadOnlyList<PlatformConfigurationVersionSummary> Items);

/// <summary>
/// <c>/api/platform/configuration</c>: the platform configuration (plans, abuse policy, over-commit rule) and its
/// history, for platform staff. Read only: a change or a rollback is a change request (<see cref="ChangeRequestsApi"/>).
/// </summary>
public static class PlatformConfigurationApi
{
    public static RouteGroupBuilder MapPlatformConfigurationApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/platform/configuration").AddEndpointFilter(NoStore.Filter).RequireAuthorization(Policies.PlatformStaff);
        group.MapGet("/", GetCurrentAsync);
        group.MapGet("/versions", ListAsync);
        group.MapGet("/versions/{version:int}", GetAsync);
        return group;
    }

    internal static async Task<IResult> GetCurrentAsync(PlatformConfigurationStore store, TimeProvider time, CancellationToken cancellationToken)
    {
        var current = await store.GetOrCreateCurrentAsync(PlatformSettings.Defaults, time, cancellationToken);
        return TypedResults.Ok(From(current, current.Version));
    }

    internal static async Task<IResult> ListAsync(PlatformConfigurationStore store, TimeProvider time, CancellationToken cancellationToken)
    {
        var current = await store.GetOrCreateCurrentAsync(PlatformSettings.Defaults, time, cancellationToken);
        var versions = await store.ListAsync(cancellationToken);
        return TypedResults.Ok(new PlatformConfigurationHistory([.. versions.Select(v =>
            new PlatformConfigurationVersionSummary(v.Version, v.Version == current.Version, v.CreatedAt, v.RequestedBy, v.ApprovedBy, v.Note))]));
    }

    internal static async Task<IResult> GetAsync(int version, PlatformConfigurationStore store, TimeProvider time, CancellationToken cancellationToken)
    {
        var current = await store.GetOrCreateCurrentAsync(PlatformSettings.Defaults, time, cancellationToken);
        return await store.GetAsync(version, cancellationToken) is { } found
            ? TypedResults.Ok(From(found, current.Version))
            : TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Configuration version not found",
                detail: $"There is no configuration version {version}.");
    }

    private static PlatformConfigurationResponse From(PlatformConfigurationVersion version, int current) =>
        new(version.Version, version.Version == current, version.Settings, version.CreatedAt, version.RequestedBy, version.ApprovedBy, version.Note);
}
