using ForkHost.Supervisor.Workers;

namespace ForkHost.Supervisor.Arbitration;

/// <summary>
/// Shutdown: SIGTERM is graceful (in-flight requests finish within --graceful-timeout), SIGINT and SIGQUIT are quick,
/// a halt is quick. The loop ends once every worker has been reaped. With --shutdown-delay, a SIGTERM first only
/// announces the stop (/readyz answers 503, systemd hears STOPPING=1) while the workers serve on as before, so that a
/// load balancer or a Kubernetes Service takes this supervisor out before its workers stop accepting; the drain
/// begins when the delay is over. A second SIGTERM, or SIGINT/SIGQUIT, during the delay ends it at once: an operator
/// who repeats a stop wants it now (Kubernetes sends one SIGTERM, then SIGKILL after its grace period).
/// </summary>
internal sealed partial class Arbiter
{
    /// <summary>How long a quick stop waits before SIGKILL.</summary>
    internal static readonly TimeSpan QuickStopGrace = TimeSpan.FromSeconds(1);

    private ShutdownMode? _shutdown;
    private int _exitCode = ExitCodes.Success;

    /// <summary>During --shutdown-delay: when the drain begins (<see cref="Now"/> milliseconds); null otherwise.</summary>
    private long? _drainDueAt;

    /// <summary>systemd has been told STOPPING=1: at the first moment of a stop, once.</summary>
    private bool _stopAnnounced;

    /// <summary>A stop has begun, its drain or only its --shutdown-delay: nothing new is started (reload, upgrade, TTIN).</summary>
    private bool StopRequested => _shutdown is not null || _drainDueAt is not null;

    /// <summary>How the stop under way is shown (/readyz, forkhost status): "graceful" already during the delay.</summary>
    private string? StoppingMode => _shutdown?.ToString().ToLowerInvariant() ?? (_drainDueAt is not null ? "graceful" : null);

    /// <summary>
    /// SIGTERM with --shutdown-delay: announces the stop and schedules the drain, leaving the workers as they are.
    /// False when there is no delay to wait: none is set, a stop is already under way (a second SIGTERM), or this
    /// supervisor hands over to a USR2 successor, which serves on the same sockets, so no load balancer must react.
    /// </summary>
    private bool DelayShutdown()
    {
        TimeSpan delay = Settings.ShutdownDelay;
        if (delay <= TimeSpan.Zero || StopRequested || HandedOver)
            return false;
        _drainDueAt = Now + (long)delay.TotalMilliseconds;
        int serving = _workers.Count(w => w.State != WorkerState.Stopping);
        LogShutdownDelayed(_logger, delay.TotalSeconds, serving);
        AnnounceStop($"Stopping (graceful, after --shutdown-delay {delay.TotalSeconds:0.###} s): {serving} workers serve until then");
        return true;
    }

    /// <summary>On every turn: the --shutdown-delay is over, so the drain that SIGTERM asked for begins.</summary>
    private void DrainWhenDelayIsOver()
    {
        if (_drainDueAt is long due && Now >= due)
            BeginShutdown(ShutdownMode.Graceful);
    }

    private void AnnounceStop(string status)
    {
        // After a handover the service goes on, in the successor: systemd must not hear that it stops.
        if (_stopAnnounced || HandedOver)
            return;
        _stopAnnounced = true;
        _notifier.Stopping(status);
    }

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
        _drainDueAt = null;
        _loadCancellation?.Cancel();

        TimeSpan grace = mode == ShutdownMode.Graceful ? Settings.GracefulTimeout : QuickStopGrace;
        int serving = _workers.Count(w => w.State != WorkerState.Stopping);
        string name = mode.ToString().ToLowerInvariant();
        LogShuttingDown(_logger, name, serving, grace.TotalSeconds);
        AnnounceStop($"Stopping ({name}): {serving} workers");
        if (_dispatcher is not null)
        {
            _ = _dispatcher.StopAcceptingAsync();
            PublishDispatchTargets();
        }
        foreach (WorkerHandle worker in _workers)
            StopWorker(worker, WorkerStopReason.Shutdown, mode == ShutdownMode.Graceful, grace);
    }
}
