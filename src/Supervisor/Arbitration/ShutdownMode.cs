namespace ForkHost.Supervisor.Arbitration;

internal enum ShutdownMode
{
    /// <summary>SIGTERM: stop accepting, let in-flight requests finish within --graceful-timeout.</summary>
    Graceful,
    /// <summary>SIGINT, SIGQUIT, or a halt: workers exit at once.</summary>
    Quick,
}
