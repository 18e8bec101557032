namespace ForkHost.Supervisor.Configuration;

/// <summary>How connections are spread over the workers.</summary>
internal enum BalanceMode
{
    /// <summary>One listening socket per address, shared by every worker: whoever accepts first gets the connection.
    /// Even with short connections; with keep-alive clients one worker can take most connections.</summary>
    Shared,
    /// <summary>One SO_REUSEPORT socket per address and worker slot, all owned by the supervisor; the kernel spreads
    /// connections by hash, and a slot's socket outlives its worker, so a restart loses nothing queued on it.</summary>
    ReusePort,
    /// <summary>The supervisor accepts every connection and hands it to the ready workers in turn over their channels
    /// (SCM_RIGHTS): an even spread of keep-alive connections, for one more hop per new connection.</summary>
    Dispatch,
}
