namespace ForkHost.Supervisor.Configuration;

/// <summary>What the fork-safety audit does when it finds a connection that workers would share.</summary>
internal enum ForkSafetyMode
{
    Off,
    /// <summary>Log each connection and say what to do (the default).</summary>
    Warn,
    /// <summary>Refuse to spawn while a database connection is open.</summary>
    Strict,
}
