namespace ForkHost.Supervisor.Workers;

internal enum WorkerExitKind
{
    /// <summary>The supervisor stopped it: nothing to replace but what the arbiter wants anyway.</summary>
    Stopped,
    /// <summary>
    /// It could not boot through its own fault: the app threw in ConfigureServices/MapEndpoints, it exited by itself
    /// or died of a fault signal (SIGSEGV, SIGABRT…) before it was ready, it hung at boot, or it broke the protocol.
    /// Only these count towards --max-boot-failures.
    /// </summary>
    BootFailed,
    /// <summary>
    /// Killed by a signal from outside before it was ready (an operator's kill, the OOM killer's SIGKILL): replaced
    /// with backoff, never counted as a boot failure, as gunicorn does.
    /// </summary>
    KilledBeforeReady,
    /// <summary>It served, then exited or died without being told to: replaced with backoff.</summary>
    Crashed,
    /// <summary>
    /// It refused to boot: it runs another build than the supervisor's, because the program was replaced on disk. Not
    /// the app's fault, and no respawn can fix it: refused at start (exit 2), replaced with backoff while others serve.
    /// </summary>
    WrongBuild,
}

/// <summary>How a reaped worker ended, and what that means for its slot.</summary>
/// <param name="How">For the log: "was killed by signal 9 (SIGKILL)", "exited with code 1".</param>
/// <param name="Reason">For a boot failure or a supervisor's kill: why, as the worker said or the supervisor saw.</param>
internal sealed record WorkerExit(WorkerExitKind Kind, string How, string? Reason)
{
    /// <summary>The signal that ended it, or null when it exited.</summary>
    public int? Signal { get; init; }

    // Signals a process brings on itself (a crash in native or runtime code), as opposed to ones sent from outside.
    private static readonly HashSet<int> FaultSignals =
    [
        Interop.Signals.SIGILL, Interop.Signals.SIGTRAP, Interop.Signals.SIGABRT, Interop.Signals.SIGBUS,
        Interop.Signals.SIGFPE, Interop.Signals.SIGSEGV, Interop.Signals.SIGSYS,
    ];

    public static WorkerExit Of(WorkerHandle worker)
    {
        int code = worker.Process.ExitCode ?? -1;
        int? signal = code is > 128 and < 160 ? code - 128 : null;
        string how = Describe(code, signal);
        return Classify(worker, how, signal) with { Signal = signal };
    }

    private static WorkerExit Classify(WorkerHandle worker, string how, int? signal)
    {

        if (worker.WrongBuild is not null)
            return new WorkerExit(WorkerExitKind.WrongBuild, how, worker.FailureReason);
        if (worker.FailureReason is { } failure)
            return new WorkerExit(worker.ReadyAt is null ? WorkerExitKind.BootFailed : WorkerExitKind.Crashed, how, failure);
        if (worker.State == WorkerState.Stopping)
            return new WorkerExit(WorkerExitKind.Stopped, how, null);
        if (worker.ReadyAt is not null)
            return new WorkerExit(WorkerExitKind.Crashed, how, null);
        if (signal is int s && !FaultSignals.Contains(s))
            return new WorkerExit(WorkerExitKind.KilledBeforeReady, how, null);
        return new WorkerExit(WorkerExitKind.BootFailed, how, $"it {how} before it was ready");
    }

    private static string Describe(int code, int? signal) => signal switch
    {
        int s => $"was killed by signal {s}{SignalName(s)}",
        _ when code == 0 => "exited normally",
        _ => $"exited with code {code}",
    };

    private static string SignalName(int signal) => signal switch
    {
        Interop.Signals.SIGINT => " (SIGINT)",
        Interop.Signals.SIGABRT => " (SIGABRT)",
        Interop.Signals.SIGKILL => " (SIGKILL)",
        Interop.Signals.SIGSEGV => " (SIGSEGV)",
        Interop.Signals.SIGTERM => " (SIGTERM)",
        _ => "",
    };
}
