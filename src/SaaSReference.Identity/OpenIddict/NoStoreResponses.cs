using Microsoft.AspNetCore;
using OpenIddict.Server;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace SaaSReference.Identity.OpenIddict;

/// <summary>
/// 6.2.1c: OpenIddict marks token responses <c>Cache-Control: no-store</c> but not the introspection and userinfo
/// answers, which carry a person's claims and a token's tenant just the same; these get it here.
/// </summary>
public sealed class NoStoreResponses<TContext> : IOpenIddictServerHandler<TContext> where TContext : BaseRequestContext
{
    public static OpenIddictServerHandlerDescriptor Descriptor { get; } =
        OpenIddictServerHandlerDescriptor.CreateBuilder<TContext>()
            .UseSingletonHandler<NoStoreResponses<TContext>>()
            // Before the response is written.
            .SetOrder(int.MinValue + 50_000)
            .SetType(OpenIddictServerHandlerType.Custom)
            .Build();

    public ValueTask HandleAsync(TContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.Transaction.GetHttpRequest()?.HttpContext.Response is { HasStarted: false } response)
        {
            response.Headers.CacheControl = "no-store";
            response.Headers.Pragma = "no-cache";
        }
        return ValueTask.CompletedTask;
    }
}
