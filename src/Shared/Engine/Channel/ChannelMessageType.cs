namespace ForkHost.Channel;

internal enum ChannelMessageType : byte
{
    /// <summary>Supervisor → worker, first: identity, generation and configuration.</summary>
    Hello = 1,
    /// <summary>Supervisor → worker, second: the descriptors, with a description of each.</summary>
    Handles = 2,
    /// <summary>Worker → supervisor: the app is serving on every listener.</summary>
    Ready = 3,
    /// <summary>Worker → supervisor, periodic: alive, with counters.</summary>
    Heartbeat = 4,
    /// <summary>Supervisor → worker: stop, finishing in-flight requests until the deadline.</summary>
    Stop = 5,
    /// <summary>Worker → supervisor, then exit: the worker could not boot, and why.</summary>
    BootFailed = 6,
    /// <summary>Supervisor → worker, with --balance dispatch: one connection the supervisor accepted, to serve.</summary>
    Connection = 7,
    /// <summary>Worker → supervisor, at the heartbeat interval when something changed and once after its drain: HTTP metrics.</summary>
    Metrics = 8,
    /// <summary>
    /// Supervisor → worker: it holds the placement lease (placed hosted services), or, the same lease again, a renewal;
    /// it may run them once it also holds the lease's kernel lock, and stops them when no renewal came for the TTL.
    /// </summary>
    LeaseGranted = 20,
    /// <summary>Supervisor → worker: give the lease back: stop the placed services, release the lock, then say so.</summary>
    LeaseRevoked = 21,
    /// <summary>Worker → supervisor: its placed services are stopped and the lock released (after a revoke, an expiry or its stop).</summary>
    LeaseReleased = 22,
    /// <summary>Worker → supervisor, once before Ready: the app's registrations that keep state per worker (30 and up: trap 3).</summary>
    StateFindings = 30,
}
