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
    /// <summary>Worker → supervisor, once before Ready: the app's registrations that keep state per worker (30 and up: trap 3).</summary>
    StateFindings = 30,
}
