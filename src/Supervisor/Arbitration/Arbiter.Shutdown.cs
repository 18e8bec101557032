using ForkHost.Supervisor.Workers;

namespace ForkHost.Supervisor.Arbitration;

/// <summary>
/// Shutdown: SIGTERM is graceful (in-flight requests finish within --graceful-timeout), SIGINT and SIGQUIT are quick,
/// a halt is quick. The loop ends once every worker has been reaped.
/// </summary>
internal sealed partial class Arbiter
{
    /// <summary>How long a quick stop waits before SIGKILL.</summary>
    internal static readonly TimeSpan QuickStopGrace = TimeSpan.FromSeconds(1);

    private ShutdownMode? _shutdown;
    private int _exitCode = ExitCodes.Success;

    /// <summary>Stops serving: halts with <paramref name="exitCode"/> once every worker is gone.</summary>
    private void Halt(int exitCode, string reason)
    {
        LogHalting(_logger, reason, exitCode);
        _exitCode = exitCode;
        BeginShutdown(ShutdownMode.Quick);
    }

    /// <summary>
    /// Tells every worker to stop, in this order: the dispatcher stops accepting (clients not yet accepted stay in the
    /// backlog, for a successor to accept), then each worker gets its Stop message or signal with the deadline after
    /// which it is killed. Idempotent; a quick stop may follow a graceful one (a second Ctrl-C), not the reverse.
    /// </summary>
    private void BeginShutdown(ShutdownMode mode)
    {
        if (_shutdown == ShutdownMode.Quick || _shutdown == mode)
            return;
        _shutdown = mode;
        _loadCancellation?.Cancel();

        TimeSpan grace = mode == ShutdownMode.Graceful ? Settings.GracefulTimeout : QuickStopGrace;
        int serving = _workers.Count(w => w.State != WorkerState.Stopping);
        string name = mode.ToString().ToLowerInvariant();
        LogShuttingDown(_logger, name, serving, grace.TotalSeconds);
        // After a handover the service goes on, in the successor: systemd must not hear that it stops.
        if (!HandedOver)
            _notifier.Stopping($"Stopping ({name}): {serving} workers");
        if (_dispatcher is not null)
        {
            _ = _dispatcher.StopAcceptingAsync();
            PublishDispatchTargets();
        }
        foreach (WorkerHandle worker in _workers)
            StopWorker(worker, WorkerStopReason.Shutdown, mode == ShutdownMode.Graceful, grace);
    }
}
