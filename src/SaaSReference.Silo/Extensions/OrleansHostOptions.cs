using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;

namespace SaaSReference.Silo.Extensions;

/// <summary>The <c>Orleans</c> configuration section: who this silo is and where it listens.</summary>
public sealed class OrleansHostOptions
{
    public const string Section = "Orleans";

    public string ClusterId { get; set; } = "saasreference";
    public string ServiceId { get; set; } = "saasreference";
    public int SiloPort { get; set; } = 11111;
    public int GatewayPort { get; set; } = 30000;

    /// <summary>The address other silos reach this one at: an IP, or <c>auto</c> for this host's first non-loopback IPv4 address (containers).</summary>
    public string AdvertisedIP { get; set; } = "127.0.0.1";

    /// <summary>How long a grain call may wait for its answer before it fails (Orleans' default is 30 s).</summary>
    public TimeSpan ResponseTimeout { get; set; } = TimeSpan.FromSeconds(10);

    public IPAddress ResolveAdvertisedAddress()
    {
        if (!string.Equals(AdvertisedIP, "auto", StringComparison.OrdinalIgnoreCase))
        {
            return IPAddress.TryParse(AdvertisedIP, out var address)
                ? address
                : throw new InvalidOperationException($"Orleans:AdvertisedIP '{AdvertisedIP}' is neither an IP address nor 'auto'.");
        }
        return NetworkInterface.GetAllNetworkInterfaces()
            .Where(nic => nic.OperationalStatus == OperationalStatus.Up && nic.NetworkInterfaceType != NetworkInterfaceType.Loopback)
            .SelectMany(nic => nic.GetIPProperties().UnicastAddresses)
            .Select(unicast => unicast.Address)
            .FirstOrDefault(address => address.AddressFamily == AddressFamily.InterNetwork)
            ?? throw new InvalidOperationException("Orleans:AdvertisedIP is 'auto' but this host has no non-loopback IPv4 address.");
    }
}
