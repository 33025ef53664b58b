using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.Forwarder;

namespace SaaSReference.Gateway.Extensions;

/// <summary>YARP's client factory with the gateway's connect timeout (used by forwarding and active probes alike).</summary>
internal sealed class GatewayForwarderHttpClientFactory(IOptionsMonitor<GatewayOptions> options) : ForwarderHttpClientFactory
{
    protected override void ConfigureHandler(ForwarderHttpClientContext context, SocketsHttpHandler handler)
    {
        base.ConfigureHandler(context, handler);
        handler.ConnectTimeout = options.CurrentValue.ConnectTimeout;
    }
}
