using System.Diagnostics;
using ForkHost.Channel;
using ForkHost.Supervisor.Configuration;
using ForkHost.Supervisor.Workers;
using Microsoft.Extensions.Logging;
using Ids = ForkHost.Logging.EventIds;

namespace ForkHost.Supervisor.Arbitration;

/// <summary>
/// --request-hard-timeout. In .NET one stuck request does not hang its worker: the others go on being served. So a
/// worker whose oldest request (from its heartbeat) is older than the limit is never killed for it, unlike uWSGI's
/// harakiri: its slot gets a new worker at once, and once that one is ready the old one is stopped gracefully (it
/// stops accepting, its other requests finish within --graceful-timeout, and if the stuck one has not finished by then
/// it is killed as any late worker is). The stuck request (method, path, age) is logged, and the worker's managed
/// stacks are read off the loop (<see cref="IWorkerStackCapture"/>) and logged too, with a dump kept in --dump-dir.
/// </summary>
internal sealed partial class Arbiter
{
    private IWorkerStackCapture? _stackCapture;

    /// <summary>How a stuck worker's stacks are read; by default through its diagnostics socket (none in a NativeAOT build).</summary>
    public IWorkerStackCapture StackCapture
    {
        get => _stackCapture ??= WorkerStackCaptures.For(_process.WorkerDiagnostics);
        init => _stackCapture = value;
    }

    /// <summary>On each heartbeat: a ready worker whose oldest request is past its generation's hard timeout is replaced, once.</summary>
    private void ReplaceIfRequestStuck(WorkerHandle worker)
    {
        GenerationSettings settings = SettingsOf(worker);
        if (_shutdown is not null || worker.State != WorkerState.Ready || worker.BeingReplaced
            || settings.RequestHardTimeout is not TimeSpan limit
            || worker.LastHeartbeat?.OldestRequest is not { } oldest || oldest.AgeMilliseconds <= limit.TotalMilliseconds)
            return;

        // Its slot now counts as empty: the loop's convergence, at the end of this turn, spawns the replacement. A
        // worker of the previous generation during a reload is replaced by the reload itself.
        worker.MarkForReplacement();
        LogRequestStuck(_logger, worker.Slot, worker.Pid, oldest.Method, oldest.Path, oldest.AgeMilliseconds / 1000.0,
            limit.TotalSeconds, settings.GracefulTimeout.TotalSeconds);
        _ = LogStacksAsync(worker.Slot, worker.Pid, oldest, settings.DumpDirectory);
    }

    /// <summary>A new worker is ready: the worker it replaces in its slot (a stuck request) now stops, gracefully.</summary>
    private void StopReplacedBy(WorkerHandle replacement)
    {
        foreach (WorkerHandle old in _workers.Where(w => w.Slot == replacement.Slot && w != replacement && w.BeingReplaced && w.State == WorkerState.Ready).ToList())
        {
            TimeSpan grace = SettingsOf(old).GracefulTimeout;
            LogReplacingStuck(_logger, old.Slot, old.Pid, replacement.Pid, grace.TotalSeconds);
            StopWorker(old, WorkerStopReason.RequestStuck, graceful: true, grace);
        }
    }

    /// <summary>Off the loop: a dump pauses the worker for a moment and is read here, which the loop must not wait for.</summary>
    private Task LogStacksAsync(int slot, int pid, InFlightRequestReport stuck, string? dumpDirectory) => Task.Run(async () =>
    {
        WorkerStacks stacks;
        try
        {
            stacks = await StackCapture.CaptureAsync(pid, CancellationToken.None);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            stacks = new WorkerStacks(null, 0, $"{e.GetType().Name}: {e.Message}");
        }
        if (stacks.Text is { } text)
            LogStacks(_logger, slot, pid, stuck.Method, stuck.Path, stacks.Threads, text);
        else
            LogStacksUnavailable(_logger, slot, pid, stacks.Unavailable ?? "unknown");
        if (dumpDirectory is null)
            return;

        var watch = Stopwatch.StartNew();
        WorkerDump dump;
        try
        {
            dump = await StackCapture.WriteDumpAsync(pid, dumpDirectory, CancellationToken.None);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            dump = new WorkerDump(null, $"{e.GetType().Name}: {e.Message}");
        }
        if (dump.Path is { } path)
            LogDumpWritten(_logger, slot, pid, path, File.Exists(path) ? new FileInfo(path).Length / (1024.0 * 1024) : 0, watch.Elapsed.TotalSeconds);
        else
            LogDumpFailed(_logger, slot, pid, dumpDirectory, dump.Failure ?? "unknown");
    });

    [LoggerMessage(EventId = Ids.WorkerRequestStuck, Level = LogLevel.Error,
        Message = "Worker {WorkerId} (pid {WorkerPid}) has had {Method} {Path} in flight for {AgeSeconds:0.0} s, past --request-hard-timeout {HardTimeout} s: replacing it, a new worker first; then it stops accepting and its other requests get --graceful-timeout {GracefulTimeout} s")]
    private static partial void LogRequestStuck(ILogger logger, int workerId, int workerPid, string method, string path, double ageSeconds, double hardTimeout, double gracefulTimeout);

    [LoggerMessage(EventId = Ids.WorkerReplacingStuck, Level = LogLevel.Information,
        Message = "Worker {WorkerId} (pid {WorkerPid}), which has a stuck request: its replacement (pid {ReplacementPid}) is ready; stopping it gracefully, within {GracefulTimeout} s")]
    private static partial void LogReplacingStuck(ILogger logger, int workerId, int workerPid, int replacementPid, double gracefulTimeout);

    [LoggerMessage(EventId = Ids.WorkerStacks, Level = LogLevel.Warning,
        Message = "Stacks of worker {WorkerId} (pid {WorkerPid}), stuck on {Method} {Path}: {Threads} managed threads\n{Stacks}")]
    private static partial void LogStacks(ILogger logger, int workerId, int workerPid, string method, string path, int threads, string stacks);

    [LoggerMessage(EventId = Ids.WorkerStacksUnavailable, Level = LogLevel.Warning,
        Message = "Stacks of worker {WorkerId} (pid {WorkerPid}) unavailable: {Reason}")]
    private static partial void LogStacksUnavailable(ILogger logger, int workerId, int workerPid, string reason);

    [LoggerMessage(EventId = Ids.WorkerDumpFailed, Level = LogLevel.Warning,
        Message = "No dump of worker {WorkerId} (pid {WorkerPid}) in --dump-dir {DumpDirectory}: {Reason}")]
    private static partial void LogDumpFailed(ILogger logger, int workerId, int workerPid, string dumpDirectory, string reason);

    [LoggerMessage(EventId = Ids.WorkerDumpWritten, Level = LogLevel.Warning,
        Message = "Wrote a dump of worker {WorkerId} (pid {WorkerPid}) to {DumpPath} ({Megabytes:0.0} MiB, {Seconds:0.0} s); read it with dotnet-dump analyze")]
    private static partial void LogDumpWritten(ILogger logger, int workerId, int workerPid, string dumpPath, double megabytes, double seconds);
}
