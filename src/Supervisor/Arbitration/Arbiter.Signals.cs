using System.Runtime.InteropServices;
using System.Diagnostics;
using ForkHost.Channel;
using ForkHost.Supervisor.Workers;

namespace ForkHost.Supervisor.Arbitration;

internal sealed partial class Arbiter
{
    // PosixSignal has no USR1/USR2 members; raw signal numbers are accepted on Unix.
    private const PosixSignal SIGUSR1 = (PosixSignal)10;
    private const PosixSignal SIGUSR2 = (PosixSignal)12;

    private static readonly PosixSignal[] HandledSignals =
        [PosixSignal.SIGTERM, PosixSignal.SIGINT, PosixSignal.SIGQUIT, PosixSignal.SIGHUP, PosixSignal.SIGTTIN, PosixSignal.SIGTTOU, SIGUSR1, SIGUSR2];

    private SignalRegistrations RegisterSignals() =>
        new(HandledSignals.Select(signal => PosixSignalRegistration.Create(signal, context =>
        {
            // The default action (terminate) must not run: the loop decides.
            context.Cancel = true;
            _events.Writer.TryWrite(new ArbiterEvent.SignalReceived(context.Signal));
        })).ToList());

    private async Task OnSignalAsync(PosixSignal signal)
    {
        LogSignal(_logger, signal switch { SIGUSR1 => "SIGUSR1", SIGUSR2 => "SIGUSR2", _ => signal.ToString() });
        switch (signal)
        {
            case PosixSignal.SIGTERM:
                if (_successor is { HasExited: false } successor)
                {
                    // From the successor, once its workers are ready: it serves now, and the shared files are its own.
                    _handedOver = true;
                    LogHandingOver(_logger, successor.Id);
                }
                BeginShutdown(ShutdownMode.Graceful);
                break;
            case PosixSignal.SIGINT or PosixSignal.SIGQUIT:
                BeginShutdown(ShutdownMode.Quick);
                break;
            case PosixSignal.SIGTTIN when _shutdown is null:
                _wantedWorkers = Math.Min(_wantedWorkers + 1, Configuration.ForkHostOptionsValidator.MaxWorkers);
                LogWantedWorkers(_logger, _wantedWorkers);
                _notifier.Status(StatusText());
                break;
            case PosixSignal.SIGTTOU when _shutdown is null:
                _wantedWorkers = Math.Max(_wantedWorkers - 1, 1);
                LogWantedWorkers(_logger, _wantedWorkers);
                _notifier.Status(StatusText());
                break;
            case PosixSignal.SIGHUP when _shutdown is null:
                await ReloadAsync();
                break;
            case SIGUSR1:
                // logrotate's postrotate: file sinks let go of the rotated file and open the path afresh, everywhere.
                _reopenLogs();
                foreach (WorkerProcess worker in _workers)
                    worker.Signal((int)SIGUSR1);
                LogLogsReopened(_logger, _workers.Count);
                break;
            case SIGUSR2 when _shutdown is null:
                await StartSuccessorAsync();
                break;
        }
    }

    /// <summary>
    /// SIGHUP: re-read the configuration and run the app's load step again, then start a new generation of workers
    /// next to the old one. The old generation is drained only once every new worker is ready
    /// (<see cref="AnnounceAllReady"/>), so the listening sockets never lack a worker that accepts.
    /// </summary>
    private async Task ReloadAsync()
    {
        if (_reloading is not null)
        {
            LogReloadBusy(_logger, _reloading.Generation);
            return;
        }
        int next = _generation + 1;
        _notifier.Reloading($"Reloading: loading the app for generation {next}");
        LogReloading(_logger, next);
        RunConfiguration? configuration = await _reload();
        if (configuration is null)
        {
            _notifier.Ready(StatusText());
            return;
        }

        _reloading = new ReloadState(next, Now, _generation, _configuration);
        _configuration = configuration;
        _generation = next;
        _wantedWorkers = configuration.Options.Workers;
        _consecutiveBootFailures = 0;
        // ConvergeAsync now sees every slot empty for the new generation and fills it.
    }

    /// <summary>SIGUSR2: start the binary now on disk as a successor that inherits the listeners (<see cref="Upgrades.SupervisorUpgrade"/>).</summary>
    private async Task StartSuccessorAsync()
    {
        if (_successor is { HasExited: false } running)
        {
            LogUpgradeBusy(_logger, running.Id);
            return;
        }
        try
        {
            Process successor = await _startSuccessor();
            _successor = successor;
            successor.EnableRaisingEvents = true;
            successor.Exited += (_, _) => _events.Writer.TryWrite(new ArbiterEvent.SuccessorExited(successor));
            LogUpgrading(_logger, successor.Id);
        }
        catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            LogUpgradeFailed(_logger, $"cannot start the new supervisor: {e.Message}");
        }
    }

    private void OnSuccessorExited(Process successor)
    {
        if (successor != _successor || _handedOver)
            return;
        LogUpgradeFailed(_logger, $"the new supervisor (pid {successor.Id}) exited with code {successor.ExitCode} before taking over; this one keeps serving");
        _successor = null;
    }

    /// <summary>The new generation cannot boot: keep the old one serving, as if the reload had not happened.</summary>
    private void AbandonReload(string reason)
    {
        ReloadState reload = _reloading!;
        LogReloadAbandoned(_logger, reload.Generation, reason);
        foreach (WorkerProcess worker in _workers.Where(w => w.Generation == reload.Generation && w.State != WorkerState.Stopping))
            Stop(worker, graceful: false, QuickStopGrace);
        _configuration = reload.Previous;
        _generation = reload.PreviousGeneration;
        _wantedWorkers = reload.Previous.Options.Workers;
        _consecutiveBootFailures = 0;
        _reloading = null;
        _notifier.Ready(StatusText());
    }

    private string StatusText()
    {
        int ready = _workers.Count(w => w.State == WorkerState.Ready);
        return $"{ready} of {_wantedWorkers} workers ready (generation {_generation})";
    }

    /// <summary>
    /// Tells every worker to stop. Idempotent; a quick stop may follow a graceful one (a second Ctrl-C), not the reverse.
    /// </summary>
    private void BeginShutdown(ShutdownMode mode)
    {
        if (_shutdown == ShutdownMode.Quick || _shutdown == mode)
            return;
        _shutdown = mode;

        TimeSpan grace = mode == ShutdownMode.Graceful ? TimeSpan.FromSeconds(Options.GracefulTimeout) : QuickStopGrace;
        _shutdownDeadline = Now + (long)grace.TotalMilliseconds;
        int serving = _workers.Count(w => w.State != WorkerState.Stopping);
        LogShuttingDown(_logger, mode.ToString().ToLowerInvariant(), serving, grace.TotalSeconds);
        // After a handover the service goes on, in the successor: systemd must not hear that it stops.
        if (!_handedOver)
            _notifier.Stopping($"Stopping ({mode.ToString().ToLowerInvariant()}): {serving} workers");
        if (_dispatcher is not null)
        {
            // Clients not yet accepted stay in the backlog, as with the workers' own accept loops; a successor
            // (SIGUSR2) accepts them from the same socket.
            _ = _dispatcher.StopAcceptingAsync();
            PublishDispatchTargets();
        }
        foreach (WorkerProcess worker in _workers)
            Stop(worker, mode == ShutdownMode.Graceful, grace);
    }

    /// <summary>
    /// A ready worker gets a Stop message (it finishes in-flight requests); a booting one, whose channel reader has not
    /// started yet, gets the matching signal instead. Either way it is killed if still there at the deadline.
    /// </summary>
    private void Stop(WorkerProcess worker, bool graceful, TimeSpan grace)
    {
        bool ready = worker.State == WorkerState.Ready;
        worker.State = WorkerState.Stopping;
        // With --balance dispatch the worker must get no connection after its Stop message, which it reads last.
        PublishDispatchTargets();
        bool told = ready && worker.TrySend(new StopMessage(graceful, (int)grace.TotalMilliseconds));
        if (!told)
            worker.Signal(graceful ? Interop.Libc.SIGTERM : 2 /* SIGINT */);
        worker.KillAt = Math.Min(worker.KillAt, Now + (long)grace.TotalMilliseconds);
    }

    private sealed class SignalRegistrations(List<PosixSignalRegistration> registrations) : IDisposable
    {
        public void Dispose()
        {
            foreach (PosixSignalRegistration registration in registrations)
                registration.Dispose();
        }
    }
}
