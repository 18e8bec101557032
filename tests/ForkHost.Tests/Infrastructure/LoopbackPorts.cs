using System.Net;
using System.Net.Sockets;

namespace ForkHost.Tests.Infrastructure;

internal static class LoopbackPorts
{
    /// <summary>A TCP port on 127.0.0.1 that was free a moment ago, for a command line that must name one.</summary>
    public static int Free()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }
}
