using Microsoft.Extensions.Logging;
using Ids = ForkHost.Logging.EventIds;

namespace ForkHost.Supervisor.Arbitration;

internal sealed partial class Arbiter
{
    [LoggerMessage(EventId = Ids.SupervisorStopped, Level = LogLevel.Information, Message = "Supervisor stopped (exit code {ExitCode})")]
    private static partial void LogStopped(ILogger logger, int exitCode);

    [LoggerMessage(EventId = Ids.Halting, Level = LogLevel.Critical, Message = "Halting: {Reason} (exit code {ExitCode})")]
    private static partial void LogHalting(ILogger logger, string reason, int exitCode);

    [LoggerMessage(EventId = Ids.SignalReceived, Level = LogLevel.Information, Message = "Received {Signal}")]
    private static partial void LogSignal(ILogger logger, string signal);

    [LoggerMessage(EventId = Ids.WantedWorkersChanged, Level = LogLevel.Information, Message = "Wanted workers: {Workers}")]
    private static partial void LogWantedWorkers(ILogger logger, int workers);

    [LoggerMessage(EventId = Ids.LogsReopened, Level = LogLevel.Information, Message = "Reopened log files; told {Workers} workers to do the same")]
    private static partial void LogLogsReopened(ILogger logger, int workers);

    [LoggerMessage(EventId = Ids.Upgrading, Level = LogLevel.Information, Message = "Upgrade: started a new supervisor (pid {SuccessorPid}) that inherits the listeners; this one serves until it takes over")]
    private static partial void LogUpgrading(ILogger logger, int successorPid);

    [LoggerMessage(EventId = Ids.UpgradeFailed, Level = LogLevel.Error, Message = "Upgrade failed: {Reason}")]
    private static partial void LogUpgradeFailed(ILogger logger, string reason);

    [LoggerMessage(EventId = Ids.UpgradeBusy, Level = LogLevel.Warning, Message = "SIGUSR2 ignored: the new supervisor (pid {SuccessorPid}) is still starting")]
    private static partial void LogUpgradeBusy(ILogger logger, int successorPid);

    [LoggerMessage(EventId = Ids.HandingOver, Level = LogLevel.Information, Message = "Handing over to the new supervisor (pid {SuccessorPid}); draining")]
    private static partial void LogHandingOver(ILogger logger, int successorPid);

    [LoggerMessage(EventId = Ids.TakingOver, Level = LogLevel.Information, Message = "Taking over from the previous supervisor (pid {PredecessorPid}): telling it to drain")]
    private static partial void LogTakingOver(ILogger logger, int predecessorPid);

    [LoggerMessage(EventId = Ids.Reloading, Level = LogLevel.Information, Message = "Reloading: configuration and app load step for generation {Generation}")]
    private static partial void LogReloading(ILogger logger, int generation);

    [LoggerMessage(EventId = Ids.Reloaded, Level = LogLevel.Information, Message = "Reloaded: generation {Generation} ({Workers} workers) ready in {Milliseconds} ms; draining {Previous} workers of the previous generation")]
    private static partial void LogReloaded(ILogger logger, int generation, int workers, long milliseconds, int previous);

    [LoggerMessage(EventId = Ids.ReloadAbandoned, Level = LogLevel.Error, Message = "Reload to generation {Generation} abandoned, the previous generation keeps serving: {Reason}")]
    private static partial void LogReloadAbandoned(ILogger logger, int generation, string reason);

    [LoggerMessage(EventId = Ids.ReloadQueued, Level = LogLevel.Information, Message = "SIGHUP: {Reason}; one more reload will run when it ends")]
    private static partial void LogReloadQueued(ILogger logger, string reason);

    [LoggerMessage(EventId = Ids.ReloadRefused, Level = LogLevel.Error, Message = "Reload refused, the current generation keeps serving: {Error}")]
    private static partial void LogReloadRefused(ILogger logger, string error);

    [LoggerMessage(EventId = Ids.RestartNeeded, Level = LogLevel.Warning, Message = "Reload: {Change} takes effect only after a restart or an upgrade (SIGUSR2); the running value is kept")]
    private static partial void LogRestartNeeded(ILogger logger, string change);

    [LoggerMessage(EventId = Ids.SupervisorStopping, Level = LogLevel.Information, Message = "Stopping ({Mode}): {Workers} workers, killing what is left after {Seconds:0.#} s")]
    private static partial void LogShuttingDown(ILogger logger, string mode, int workers, double seconds);

    [LoggerMessage(EventId = Ids.ShutdownDelayed, Level = LogLevel.Information, Message = "Stopping after --shutdown-delay {Seconds} s: /readyz answers 503 now, {Workers} workers serve until the drain begins (a second SIGTERM begins it at once)")]
    private static partial void LogShutdownDelayed(ILogger logger, double seconds, int workers);

    [LoggerMessage(EventId = Ids.WorkerStopRequested, Level = LogLevel.Information, Message = "Retiring worker {WorkerId} (pid {WorkerPid}): above the wanted count")]
    private static partial void LogRetiring(ILogger logger, int workerId, int workerPid);

    [LoggerMessage(EventId = Ids.WorkerSpawned, Level = LogLevel.Information, Message = "Spawned worker {WorkerId} (pid {WorkerPid}, generation {WorkerGeneration})")]
    private static partial void LogSpawned(ILogger logger, int workerId, int workerPid, int workerGeneration);

    [LoggerMessage(EventId = Ids.WorkerReady, Level = LogLevel.Information, Message = "Worker {WorkerId} (pid {WorkerPid}) ready in {BootMilliseconds:0} ms")]
    private static partial void LogReady(ILogger logger, int workerId, int workerPid, double bootMilliseconds);

    [LoggerMessage(EventId = Ids.AllWorkersReady, Level = LogLevel.Information, Message = "All {Workers} workers ready, {Milliseconds} ms after start")]
    private static partial void LogAllReady(ILogger logger, int workers, long milliseconds);

    [LoggerMessage(EventId = Ids.WorkerProtocolError, Level = LogLevel.Error, Message = "Worker {WorkerId} (pid {WorkerPid}) broke the channel protocol: {Error}; killing it")]
    private static partial void LogProtocolError(ILogger logger, int workerId, int workerPid, string error);

    [LoggerMessage(EventId = Ids.WorkerExited, Level = LogLevel.Information, Message = "Worker {WorkerId} (pid {WorkerPid}) {How} (stopped: {StopReason})")]
    private static partial void LogExited(ILogger logger, int workerId, int workerPid, string how, string stopReason);

    [LoggerMessage(EventId = Ids.WorkerOomKilled, Level = LogLevel.Error, Message = "Worker {WorkerId} (pid {WorkerPid}) was killed by the kernel's OOM killer (the OOM kill counter of the supervisor's memory cgroup rose): {Workers} workers together outgrew the memory limit (--worker-heap-limit {HeapLimit}); it is replaced")]
    private static partial void LogOomKilled(ILogger logger, int workerId, int workerPid, int workers, string heapLimit);

    [LoggerMessage(EventId = Ids.WorkerKilledBeforeReady, Level = LogLevel.Warning, Message = "Worker {WorkerId} (pid {WorkerPid}) {How} before it was ready, by a signal from outside the supervisor (not counted as a boot failure); replacing it in {DelayMilliseconds:0} ms")]
    private static partial void LogKilledBeforeReady(ILogger logger, int workerId, int workerPid, string how, double delayMilliseconds);

    [LoggerMessage(EventId = Ids.WorkerCrashed, Level = LogLevel.Warning, Message = "Worker {WorkerId} (pid {WorkerPid}) {Reason}; replacing it in {DelayMilliseconds:0} ms")]
    private static partial void LogKilledFaulty(ILogger logger, int workerId, int workerPid, string reason, double delayMilliseconds);

    [LoggerMessage(EventId = Ids.WorkerBootFailed, Level = LogLevel.Error, Message = "Worker {WorkerId} (pid {WorkerPid}) failed to boot: {Reason} ({Failures} of {MaxFailures} in a row)")]
    private static partial void LogBootFailed(ILogger logger, int workerId, int workerPid, string reason, int failures, int maxFailures);

    [LoggerMessage(EventId = Ids.WorkerCrashed, Level = LogLevel.Warning, Message = "Worker {WorkerId} (pid {WorkerPid}) {How} unexpectedly; replacing it in {DelayMilliseconds:0} ms")]
    private static partial void LogCrashed(ILogger logger, int workerId, int workerPid, string how, double delayMilliseconds);

    [LoggerMessage(EventId = Ids.WorkerBootTimedOut, Level = LogLevel.Error, Message = "Worker {WorkerId} (pid {WorkerPid}) was not ready after {BootTimeout} s (--boot-timeout); killing it")]
    private static partial void LogBootTimedOut(ILogger logger, int workerId, int workerPid, double bootTimeout);

    [LoggerMessage(EventId = Ids.WorkerHung, Level = LogLevel.Error, Message = "Worker {WorkerId} (pid {WorkerPid}) sent no heartbeat for {SilentSeconds:0.0} s (--timeout {Timeout}); terminating it")]
    private static partial void LogHung(ILogger logger, int workerId, int workerPid, double silentSeconds, double timeout);

    [LoggerMessage(EventId = Ids.WorkerKilled, Level = LogLevel.Warning, Message = "Worker {WorkerId} (pid {WorkerPid}) still running at its deadline; sending SIGKILL")]
    private static partial void LogKilled(ILogger logger, int workerId, int workerPid);

    [LoggerMessage(EventId = Ids.WorkerRecycling, Level = LogLevel.Information, Message = "Recycling worker {WorkerId} (pid {WorkerPid}): {Reason}")]
    private static partial void LogRecycling(ILogger logger, int workerId, int workerPid, string reason);

    [LoggerMessage(EventId = Ids.WorkerWrongBuild, Level = LogLevel.Error, Message = "{Refusal}")]
    private static partial void LogWrongBuild(ILogger logger, string refusal);
}
