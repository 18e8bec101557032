using System.Net;

namespace ForkHost.Supervisor.Sockets;

/// <summary>A TCP socket this process holds through <see cref="Descriptor"/>.</summary>
internal sealed record OpenTcpSocket(int Descriptor, ulong Inode, IPEndPoint LocalEndPoint, IPEndPoint RemoteEndPoint, TcpState State)
{
    public override string ToString() => $"fd {Descriptor}: {LocalEndPoint} -> {RemoteEndPoint} ({State}, inode {Inode})";
}
