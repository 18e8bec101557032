using ForkHost.Supervisor.Configuration;

namespace ForkHost.Supervisor.Workers;

/// <summary>
/// .NET runtime settings every worker starts with, unless the supervisor's own environment sets the same variable
/// (then the operator's value is passed on as it is). A pre-fork host runs more runtimes than there are cores, and
/// the runtime's defaults assume one process owns the machine. Measured in docs/benchmarks.md.
/// </summary>
internal static class WorkerRuntimeSettings
{
    public static readonly IReadOnlyDictionary<string, string> Defaults = new Dictionary<string, string>
    {
        // Idle thread-pool threads spin before they sleep; with N workers on fewer cores that spinning takes the CPU
        // the other workers, the database and the clients need (the p99 tail under load).
        ["DOTNET_ThreadPool_UnfairSemaphoreSpinLimit"] = "0",
        // A 4 MiB gen0 budget instead of one sized from the CPU's cache (tens of MiB, in every worker). Bare hex
        // digits, no "0x": CoreCLR reads DOTNET_ numbers as hex either way, but NativeAOT's runtime (RhConfig) takes
        // only hex digits and ignores a value with the prefix, which left NativeAOT workers at about 100 MiB PSS
        // after load instead of 26 (docs/benchmarks.md, NativeAOT workers).
        ["DOTNET_GCgen0size"] = "400000",
    };

    /// <summary>
    /// --worker-diagnostics off: DOTNET_EnableDiagnostics_IPC=0, which turns off only the diagnostics IPC socket
    /// (DOTNET_EnableDiagnostics=0 would also turn off the debugger and profiler). It overrides the supervisor's own
    /// environment, since the operator asked for it on this command line; "on" leaves the environment as it is.
    /// </summary>
    public static IEnumerable<KeyValuePair<string, string>> ForDiagnostics(WorkerDiagnosticsMode mode) =>
        mode == WorkerDiagnosticsMode.Off ? [new("DOTNET_EnableDiagnostics_IPC", "0")] : [];

    /// <summary>The defaults that <paramref name="environment"/> does not already set.</summary>
    public static IEnumerable<KeyValuePair<string, string>> Missing(IDictionary<string, string?> environment) =>
        Defaults.Where(setting => !environment.ContainsKey(setting.Key));
}
