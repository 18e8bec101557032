using System.Net;
using System.Net.Sockets;
using ForkHost.Channel;
using ForkHost.Sockets;
using ForkHost.Supervisor.Sockets;

namespace ForkHost.Tests.Sockets;

public sealed class TcpSocketInventoryTests
{
    [Fact]
    public async Task Lists_a_listener_and_both_ends_of_a_loopback_connection()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var listenEndPoint = (IPEndPoint)listener.LocalEndpoint;

        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await client.ConnectAsync(listenEndPoint, timeout.Token);
        using Socket accepted = await listener.AcceptSocketAsync(timeout.Token);
        var clientLocal = (IPEndPoint)client.LocalEndPoint!;

        IReadOnlyList<OpenTcpSocket> sockets = TcpSocketInventory.List();

        OpenTcpSocket listening = Assert.Single(sockets, s => s.Descriptor == (int)listener.Server.Handle);
        Assert.Equal(TcpState.Listen, listening.State);
        Assert.Equal(listenEndPoint, listening.LocalEndPoint);

        OpenTcpSocket outgoing = Assert.Single(sockets, s => s.Descriptor == (int)client.Handle);
        Assert.Equal(TcpState.Established, outgoing.State);
        Assert.Equal(clientLocal, outgoing.LocalEndPoint);
        Assert.Equal(listenEndPoint, outgoing.RemoteEndPoint);

        OpenTcpSocket incoming = Assert.Single(sockets, s => s.Descriptor == (int)accepted.Handle);
        Assert.Equal(TcpState.Established, incoming.State);
        Assert.Equal(listenEndPoint, incoming.LocalEndPoint);
        Assert.Equal(clientLocal, incoming.RemoteEndPoint);
        Assert.NotEqual(outgoing.Inode, incoming.Inode);
    }

    [Fact]
    public async Task Lists_every_descriptor_of_a_duplicated_socket_with_the_same_inode()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await client.ConnectAsync(listener.LocalEndpoint, timeout.Token);
        using Socket accepted = await listener.AcceptSocketAsync(timeout.Token);

        int copy = FileDescriptors.DuplicateCloseOnExec((int)client.Handle);
        try
        {
            IReadOnlyList<OpenTcpSocket> sockets = TcpSocketInventory.List();

            OpenTcpSocket original = Assert.Single(sockets, s => s.Descriptor == (int)client.Handle);
            OpenTcpSocket duplicate = Assert.Single(sockets, s => s.Descriptor == copy);
            Assert.Equal(original.Inode, duplicate.Inode);
            Assert.Equal(original.RemoteEndPoint, duplicate.RemoteEndPoint);
        }
        finally
        {
            FileDescriptors.Close(copy);
        }

        Assert.DoesNotContain(TcpSocketInventory.List(), s => s.Descriptor == copy);
    }

    [Fact]
    public async Task Lists_IPv6_and_dual_mode_sockets()
    {
        using var listener = new TcpListener(IPAddress.IPv6Any, 0);
        listener.Server.DualMode = true;
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;

        using var v6 = new Socket(AddressFamily.InterNetworkV6, SocketType.Stream, ProtocolType.Tcp);
        using var v4 = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await v6.ConnectAsync(new IPEndPoint(IPAddress.IPv6Loopback, port), timeout.Token);
        await v4.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), timeout.Token);
        using Socket acceptedFirst = await listener.AcceptSocketAsync(timeout.Token);
        using Socket acceptedSecond = await listener.AcceptSocketAsync(timeout.Token);

        IReadOnlyList<OpenTcpSocket> sockets = TcpSocketInventory.List();

        OpenTcpSocket outgoingV6 = Assert.Single(sockets, s => s.Descriptor == (int)v6.Handle);
        Assert.Equal(new IPEndPoint(IPAddress.IPv6Loopback, port), outgoingV6.RemoteEndPoint);

        // The dual-mode side sees the IPv4 client as a v4-mapped address in tcp6.
        var v4Local = (IPEndPoint)v4.LocalEndPoint!;
        OpenTcpSocket acceptedV4 = Assert.Single(sockets, s =>
            (s.Descriptor == (int)acceptedFirst.Handle || s.Descriptor == (int)acceptedSecond.Handle)
            && s.RemoteEndPoint.Port == v4Local.Port);
        Assert.True(acceptedV4.RemoteEndPoint.Address.IsIPv4MappedToIPv6);
        Assert.Equal(IPAddress.Loopback, acceptedV4.RemoteEndPoint.Address.MapToIPv4());
        Assert.Equal(TcpState.Established, acceptedV4.State);
    }
}
