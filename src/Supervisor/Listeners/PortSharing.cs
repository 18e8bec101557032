namespace ForkHost.Supervisor.Listeners;

/// <summary>Whether a TCP listening socket may share its port with others (SO_REUSEPORT), and with whom.</summary>
internal enum PortSharing
{
    /// <summary>No SO_REUSEPORT: the port is this socket's alone, and a second server gets EADDRINUSE (shared, dispatch).</summary>
    Exclusive,

    /// <summary>
    /// The first socket of this supervisor's SO_REUSEPORT group (--balance reuseport): it is set on the socket, but
    /// only after a probe without it has shown that no other socket listens on the address already.
    /// </summary>
    NewGroup,

    /// <summary>A per-slot sibling of a socket this supervisor (or its USR2 predecessor) already listens on.</summary>
    JoinGroup,
}
