using System.Globalization;
using ForkHost.Logging;
using Microsoft.Extensions.Logging;

namespace ForkHost.Supervisor.Resources;

/// <summary>
/// Each worker's share of the cgroup's memory limit, given to it as DOTNET_GCHeapHardLimit. Left alone, every .NET
/// runtime in a memory-limited cgroup takes 75 % of the whole limit as its own heap limit, so N workers together may
/// grow to 0.75 × N times what the cgroup holds, and the kernel's OOM killer, not the GC, has the last word.
/// <para>
/// The heap hard limit bounds only the GC heap; the cgroup is charged for everything: the supervisor, and in every
/// worker the runtime, JIT'd code, thread stacks and native buffers. So each worker's heap limit is
/// <c>(limit − <see cref="SupervisorReserveBytes"/>) / N − <see cref="WorkerOverheadBytes"/></c>, i.e. the limit less
/// a reserve of S + N × W, shared out. Measured (docs/multi-process-traps.md, trap 4) with the Traps sample in a v1
/// memory cgroup on .NET 10: supervisor plus one idle worker charge 123 MiB, plus three more workers 204 MiB, so one
/// worker's memory outside its GC heap is about 27 MiB (12 MiB anonymous, 13 MiB double-mapped JIT code, the rest
/// page cache) and the supervisor with the framework's shared file pages about 96 MiB. S and W round those up for
/// what grows under load (more JIT'd code, thread-pool stacks, Kestrel's native buffers).
/// </para>
/// </summary>
/// <param name="cgroupLimit">The memory limit the supervisor runs under (<see cref="CgroupMemoryLimit"/>), or null.</param>
/// <param name="operatorSetting">What of the operator's already sets a heap hard limit for the workers (the variable's name), or null.</param>
internal sealed partial class WorkerHeapBudget(long? cgroupLimit, string? operatorSetting, ILogger logger)
{
    /// <summary>The supervisor's own footprint with the framework's file pages, which every process maps and the cgroup pays for once: 96 MiB measured.</summary>
    public const long SupervisorReserveBytes = 128L << 20;

    /// <summary>One worker's memory outside its GC heap: 27 MiB measured idle.</summary>
    public const long WorkerOverheadBytes = 48L << 20;

    /// <summary>Never less than this per worker, however small the limit: a worker below it fails to boot, which
    /// counts against --max-boot-failures; with it, a limit too small for N workers shows as OutOfMemoryException.</summary>
    public const long MinimumHeapBytes = 32L << 20;

    public const string HeapHardLimitVariable = "DOTNET_GCHeapHardLimit";

    private (WorkerHeapLimitSetting Setting, int Workers)? _logged;

    public long? CgroupLimit { get; } = cgroupLimit;

    public string? OperatorSetting { get; } = operatorSetting;

    /// <summary>
    /// Reads the cgroup limit and looks for a heap hard limit the operator set already: a DOTNET_ or COMPlus_
    /// GCHeapHardLimit* variable in the supervisor's environment (workers inherit it), or System.GC.HeapHardLimit*
    /// in forkhost-worker's runtimeconfig.json.
    /// </summary>
    public static WorkerHeapBudget Discover(CgroupHierarchy cgroups, System.Collections.IDictionary environment, string? workerRuntimeConfig, ILogger logger)
    {
        string? operatorSetting = null;
        foreach (string name in environment.Keys.OfType<string>().Order(StringComparer.Ordinal))
        {
            if (IsHeapHardLimitVariable(name))
            {
                operatorSetting = $"{name}={environment[name]}";
                break;
            }
        }
        if (operatorSetting is null && workerRuntimeConfig is not null && File.Exists(workerRuntimeConfig)
            && File.ReadAllText(workerRuntimeConfig).Contains("System.GC.HeapHardLimit", StringComparison.OrdinalIgnoreCase))
            operatorSetting = $"System.GC.HeapHardLimit in {workerRuntimeConfig}";
        return new WorkerHeapBudget(CgroupMemoryLimit.Read(cgroups), operatorSetting, logger);
    }

    /// <summary>GCHeapHardLimit, GCHeapHardLimitPercent and the per-heap GCHeapHardLimitSOH/LOH/POH(Percent), under either prefix.</summary>
    public static bool IsHeapHardLimitVariable(string name) =>
        (name.StartsWith("DOTNET_", StringComparison.OrdinalIgnoreCase) && name.AsSpan(7).StartsWith("GCHeapHardLimit", StringComparison.OrdinalIgnoreCase))
        || (name.StartsWith("COMPlus_", StringComparison.OrdinalIgnoreCase) && name.AsSpan(8).StartsWith("GCHeapHardLimit", StringComparison.OrdinalIgnoreCase));

    /// <summary>The heap hard limit of each of <paramref name="workers"/> workers, or null for the runtime's own default.</summary>
    public static long? PerWorkerBytes(WorkerHeapLimitSetting setting, long? cgroupLimit, int workers) => setting.Mode switch
    {
        WorkerHeapLimitMode.Off => null,
        WorkerHeapLimitMode.Size => setting.Bytes,
        _ => cgroupLimit is long limit ? Math.Max(MinimumHeapBytes, Share(limit, workers)) : null,
    };

    /// <summary>(limit − S) / N − W: the limit less the supervisor's reserve and every worker's non-heap memory, shared.</summary>
    public static long Share(long limit, int workers) => (limit - SupervisorReserveBytes) / Math.Max(workers, 1) - WorkerOverheadBytes;

    /// <summary>The variables a worker of a generation of <paramref name="workers"/> starts with; logs the numbers the first time they change.</summary>
    public IReadOnlyDictionary<string, string> EnvironmentFor(WorkerHeapLimitSetting setting, int workers)
    {
        long? perWorker = OperatorSetting is null ? PerWorkerBytes(setting, CgroupLimit, workers) : null;
        if (_logged != (setting, workers))
        {
            _logged = (setting, workers);
            Log(setting, workers, perWorker);
        }
        return perWorker is long bytes
            ? new Dictionary<string, string> { [HeapHardLimitVariable] = Hex(bytes) }
            : new Dictionary<string, string>();
    }

    /// <summary>As the runtime reads DOTNET_GC* numbers: hexadecimal digits, without 0x (CoreCLR takes either, but a
    /// NativeAOT app's runtime rejects the prefix and ignores the setting).</summary>
    public static string Hex(long bytes) => bytes.ToString("x", CultureInfo.InvariantCulture);

    public static string MiB(long bytes) => string.Create(CultureInfo.InvariantCulture, $"{bytes / (1024.0 * 1024):0.#}M");

    private void Log(WorkerHeapLimitSetting setting, int workers, long? perWorker)
    {
        if (OperatorSetting is not null)
        {
            if (setting.Mode != WorkerHeapLimitMode.Off)
                LogOperatorSetting(logger, OperatorSetting, setting.ToString());
            return;
        }
        switch (setting.Mode)
        {
            case WorkerHeapLimitMode.Size:
                LogFixed(logger, MiB(perWorker!.Value), workers, Hex(perWorker.Value));
                break;
            case WorkerHeapLimitMode.Off when CgroupLimit is long limit:
                LogOff(logger, MiB(limit), workers, MiB(limit * 3 / 4 * workers));
                break;
            case WorkerHeapLimitMode.Auto when CgroupLimit is long limit:
                LogAuto(logger, MiB(perWorker!.Value), MiB(limit), MiB(SupervisorReserveBytes), workers, MiB(WorkerOverheadBytes), Hex(perWorker.Value));
                if (Share(limit, workers) < MinimumHeapBytes)
                    LogTooSmall(logger, MiB(limit), workers, MiB(MinimumHeapBytes));
                break;
        }
    }

    [LoggerMessage(EventId = EventIds.WorkerHeapLimitSet, Level = LogLevel.Information,
        Message = "Worker heap limit {PerWorker} each: the cgroup's memory limit {Limit}, less {SupervisorReserve} for the supervisor and {Workers} × {WorkerOverhead} for each worker's memory outside its GC heap, shared by {Workers} workers (DOTNET_GCHeapHardLimit={Hex}; --worker-heap-limit off for the runtime's default)")]
    private static partial void LogAuto(ILogger logger, string perWorker, string limit, string supervisorReserve, int workers, string workerOverhead, string hex);

    [LoggerMessage(EventId = EventIds.WorkerHeapLimitFixed, Level = LogLevel.Information,
        Message = "Worker heap limit {PerWorker} each, from --worker-heap-limit, for {Workers} workers (DOTNET_GCHeapHardLimit={Hex})")]
    private static partial void LogFixed(ILogger logger, string perWorker, int workers, string hex);

    [LoggerMessage(EventId = EventIds.WorkerHeapLimitOff, Level = LogLevel.Warning,
        Message = "--worker-heap-limit off under a cgroup memory limit of {Limit}: each of {Workers} workers may grow its GC heap to 75 % of the whole limit, {Together} together; past the limit the kernel's OOM killer ends workers")]
    private static partial void LogOff(ILogger logger, string limit, int workers, string together);

    [LoggerMessage(EventId = EventIds.WorkerHeapLimitOperator, Level = LogLevel.Information,
        Message = "Worker heap limit left to the operator's own {Setting} (--worker-heap-limit {Option} not applied)")]
    private static partial void LogOperatorSetting(ILogger logger, string setting, string option);

    [LoggerMessage(EventId = EventIds.WorkerHeapLimitTooSmall, Level = LogLevel.Warning,
        Message = "The cgroup's memory limit {Limit} is too small for {Workers} workers: each gets the minimum heap limit {Minimum}, and together they may still pass the limit; run fewer workers (--workers) or raise the limit")]
    private static partial void LogTooSmall(ILogger logger, string limit, int workers, string minimum);
}
