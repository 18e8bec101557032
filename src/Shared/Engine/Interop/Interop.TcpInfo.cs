using System.Runtime.InteropServices;

internal static partial class Interop
{
    /// <summary>
    /// The start of Linux's <c>struct tcp_info</c> (linux/tcp.h), up to the fields ForkHost reads, for
    /// getsockopt(IPPROTO_TCP, TCP_INFO) through Socket.GetRawSocketOption. The kernel copies at most the length asked
    /// for, so a prefix is enough. On a listening socket the kernel puts its accept queue in the two counters whose
    /// names describe a connection: <see cref="Unacked"/> is the queue's current length, <see cref="Sacked"/> its limit
    /// (the backlog given to listen(2), capped by net.core.somaxconn).
    /// </summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct TcpInfo
    {
        /// <summary>tcpi_state: TCP_LISTEN (10) for a listening socket.</summary>
        public byte State;
        public byte CongestionAvoidanceState;
        public byte Retransmits;
        public byte Probes;
        public byte Backoff;
        public byte Options;
        public byte WindowScales;
        public byte DeliveryRateAppLimited;
        public uint RetransmitTimeout;
        public uint AckTimeout;
        public uint SendMss;
        public uint ReceiveMss;
        /// <summary>tcpi_unacked; for a listening socket: connections in the accept queue (sk_ack_backlog).</summary>
        public uint Unacked;
        /// <summary>tcpi_sacked; for a listening socket: the accept queue's limit (sk_max_ack_backlog).</summary>
        public uint Sacked;
    }
}
