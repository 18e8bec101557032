namespace ForkHost.Supervisor.Configuration;

/// <summary>Whether workers open the .NET diagnostics IPC socket (dotnet-counters, dotnet-trace, dotnet-dump).</summary>
internal enum WorkerDiagnosticsMode
{
    /// <summary>The runtime's default: each worker listens on $TMPDIR/dotnet-diagnostic-PID-KEY-socket (the default).</summary>
    On,
    /// <summary>DOTNET_EnableDiagnostics_IPC=0: no socket, no diagnostics tools; debugger and profiler are unaffected.</summary>
    Off,
}
