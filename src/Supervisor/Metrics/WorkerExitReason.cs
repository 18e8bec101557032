using ForkHost.Supervisor.Workers;

namespace ForkHost.Supervisor.Metrics;

/// <summary>The <c>reason</c> label of forkhost_worker_exits_total: how a reaped worker ended, in a fixed set of values.</summary>
internal static class WorkerExitReason
{
    public const string Crash = "crash";
    public const string Hung = "hung";
    public const string RecycledRequests = "recycled_requests";
    public const string RecycledMemory = "recycled_memory";
    public const string Unhealthy = "unhealthy";
    /// <summary>--request-hard-timeout: replaced because a request ran longer.</summary>
    public const string RequestStuck = "request_stuck";
    public const string BootFailure = "boot_failure";
    public const string KilledBeforeReady = "killed_before_ready";
    /// <summary>Stopped by the supervisor for any other reason: shutdown, reload, TTOU.</summary>
    public const string Stopped = "stopped";

    /// <summary>Every value, so each series exists from the start and rate() sees its first increase.</summary>
    public static IReadOnlyList<string> All { get; } =
        [Crash, Hung, RecycledRequests, RecycledMemory, Unhealthy, RequestStuck, BootFailure, KilledBeforeReady, Stopped];

    public static string Of(WorkerExit exit, WorkerStopReason stopReason) => exit.Kind switch
    {
        WorkerExitKind.Crashed => Crash,
        WorkerExitKind.BootFailed => BootFailure,
        WorkerExitKind.KilledBeforeReady => KilledBeforeReady,
        _ => stopReason switch
        {
            WorkerStopReason.Hung => Hung,
            WorkerStopReason.RecycledRequests => RecycledRequests,
            WorkerStopReason.RecycledMemory => RecycledMemory,
            WorkerStopReason.Unhealthy => Unhealthy,
            WorkerStopReason.RequestStuck => RequestStuck,
            _ => Stopped,
        },
    };
}
