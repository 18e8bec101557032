using System.Net;

namespace ForkHost.Supervisor.Sockets;

/// <summary>One parsed line of /proc/net/tcp or /proc/net/tcp6.</summary>
internal readonly record struct ProcNetTcpEntry(IPEndPoint Local, IPEndPoint Remote, TcpState State, ulong Inode);
