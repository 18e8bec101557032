using System.Globalization;
using System.Net;
using System.Net.Sockets;
using ForkHost.Logging;
using ForkHost.Tests.Infrastructure;

namespace ForkHost.Tests.Supervision;

/// <summary>A port ForkHost listens on is its own: a second server on it is refused, in every balance mode.</summary>
public sealed class PortOwnershipTests
{
    [Theory]
    [InlineData("shared")]
    [InlineData("dispatch")]
    [InlineData("reuseport")]
    public async Task A_second_server_on_the_same_port_exits_2_with_one_line_and_the_first_keeps_serving(string balance)
    {
        await using var first = ForkHostProcess.Run(RepositoryPaths.HelloApp, "--workers", "2", "--bind", "127.0.0.1:0", "--balance", balance);
        Uri address = await first.WaitForHttpAddressAsync();
        await first.WaitForAllReadyAsync();
        IReadOnlyList<long> listening = ProcessTable.ListeningInodes(address.Port);
        string bind = $"127.0.0.1:{address.Port.ToString(CultureInfo.InvariantCulture)}";

        await using var second = ForkHostProcess.Run(RepositoryPaths.HelloApp, "--workers", "1", "--bind", bind, "--balance", balance);

        Assert.Equal(2, await second.WaitForExitAsync());
        string line = Assert.Single(second.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal($"forkhost: --bind '{bind}': the address is already in use; stop the other server or choose another port.", line);
        Assert.Empty(second.EventsWithId(EventIds.WorkerSpawned));
        Assert.Equal(listening.Order(), ProcessTable.ListeningInodes(address.Port).Order());
        using HttpClient client = Http.CreateClient();
        WhoAmI who = await Http.WhoAmIOnNewConnectionAsync(client, address);
        Assert.Contains(who.Pid, first.WorkerPids());
    }

    [Fact]
    public async Task Reuseport_mode_does_not_join_another_programs_reuseport_socket_of_the_same_user()
    {
        // What the kernel alone would allow: a socket of the same uid with SO_REUSEPORT, listening.
        using var other = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        other.SetRawSocketOption(Interop.SocketOptions.SOL_SOCKET, Interop.SocketOptions.SO_REUSEPORT, BitConverter.GetBytes(1));
        other.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        other.Listen();
        string bind = $"127.0.0.1:{((IPEndPoint)other.LocalEndPoint!).Port.ToString(CultureInfo.InvariantCulture)}";

        await using var forkhost = ForkHostProcess.Run(RepositoryPaths.HelloApp, "--workers", "2", "--bind", bind, "--balance", "reuseport");

        Assert.Equal(2, await forkhost.WaitForExitAsync());
        Assert.Equal($"forkhost: --bind '{bind}': the address is already in use; stop the other server or choose another port.", forkhost.Stderr.Trim());
    }
}
