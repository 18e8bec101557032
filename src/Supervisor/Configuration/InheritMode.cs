namespace ForkHost.Supervisor.Configuration;

/// <summary>Which of the supervisor's handles a worker receives.</summary>
internal enum InheritMode
{
    /// <summary>Only the listening sockets: every other resource the worker opens itself (the default, and the fix).</summary>
    Listeners,
    /// <summary>Every socket the supervisor holds, as fork(2) would copy them: reproduces the shared-connection bug.</summary>
    Fork,
}
