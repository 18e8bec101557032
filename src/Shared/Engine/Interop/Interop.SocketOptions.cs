internal static partial class Interop
{
    /// <summary>
    /// Socket option levels and names, Linux's (x86-64 and arm64 agree), for Socket.SetRawSocketOption and
    /// GetRawSocketOption. Set raw where .NET's own mapping does more than its name says: on Linux
    /// SocketOptionName.ReuseAddress sets SO_REUSEPORT as well as SO_REUSEADDR.
    /// </summary>
    internal static class SocketOptions
    {
        internal const int SOL_SOCKET = Libc.SOL_SOCKET;

        /// <summary>Bind while connections of a previous listener linger in TIME_WAIT; never shares a listening port.</summary>
        internal const int SO_REUSEADDR = 2;

        /// <summary>Several listening sockets of the same effective uid on one port; the kernel spreads connections by hash.</summary>
        internal const int SO_REUSEPORT = 15;

        /// <summary>The peer's pid, uid and gid of a unix socket, as recorded at connect(2) (struct ucred).</summary>
        internal const int SO_PEERCRED = 17;

        /// <summary>Read-only: non-zero when the socket is listening (listen(2) was called on it).</summary>
        internal const int SO_ACCEPTCONN = 30;

        internal const int IPPROTO_TCP = 6;

        /// <summary>At level <see cref="IPPROTO_TCP"/>: the socket's <see cref="TcpInfo"/>.</summary>
        internal const int TCP_INFO = 11;

        /// <summary><see cref="TcpInfo.State"/> of a listening socket.</summary>
        internal const byte TCP_LISTEN = 10;
    }
}
