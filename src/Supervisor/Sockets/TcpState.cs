namespace ForkHost.Supervisor.Sockets;

/// <summary>A TCP socket's state as the kernel reports it in /proc/net/tcp (the values are the kernel's).</summary>
internal enum TcpState
{
    Other = 0,
    Established = 0x01,
    SynSent = 0x02,
    SynReceived = 0x03,
    FinWait1 = 0x04,
    FinWait2 = 0x05,
    TimeWait = 0x06,
    Closed = 0x07,
    CloseWait = 0x08,
    LastAck = 0x09,
    Listen = 0x0A,
    Closing = 0x0B,
}
