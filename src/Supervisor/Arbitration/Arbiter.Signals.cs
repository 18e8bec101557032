using System.Runtime.InteropServices;
using ForkHost.Channel;
using ForkHost.Supervisor.Workers;

namespace ForkHost.Supervisor.Arbitration;

internal sealed partial class Arbiter
{
    private static readonly PosixSignal[] HandledSignals =
        [PosixSignal.SIGTERM, PosixSignal.SIGINT, PosixSignal.SIGQUIT, PosixSignal.SIGHUP, PosixSignal.SIGTTIN, PosixSignal.SIGTTOU];

    private SignalRegistrations RegisterSignals() =>
        new(HandledSignals.Select(signal => PosixSignalRegistration.Create(signal, context =>
        {
            // The default action (terminate) must not run: the loop decides.
            context.Cancel = true;
            _events.Writer.TryWrite(new ArbiterEvent.SignalReceived(context.Signal));
        })).ToList());

    private void OnSignal(PosixSignal signal)
    {
        LogSignal(_logger, signal.ToString());
        switch (signal)
        {
            case PosixSignal.SIGTERM:
                BeginShutdown(ShutdownMode.Graceful);
                break;
            case PosixSignal.SIGINT or PosixSignal.SIGQUIT:
                BeginShutdown(ShutdownMode.Quick);
                break;
            case PosixSignal.SIGTTIN when _shutdown is null:
                _wantedWorkers = Math.Min(_wantedWorkers + 1, Configuration.ForkHostOptionsValidator.MaxWorkers);
                LogWantedWorkers(_logger, _wantedWorkers);
                break;
            case PosixSignal.SIGTTOU when _shutdown is null:
                _wantedWorkers = Math.Max(_wantedWorkers - 1, 1);
                LogWantedWorkers(_logger, _wantedWorkers);
                break;
            case PosixSignal.SIGHUP:
                LogReloadUnsupported(_logger);
                break;
        }
    }

    /// <summary>
    /// Tells every worker to stop. Idempotent; a quick stop may follow a graceful one (a second Ctrl-C), not the reverse.
    /// </summary>
    private void BeginShutdown(ShutdownMode mode)
    {
        if (_shutdown == ShutdownMode.Quick || _shutdown == mode)
            return;
        _shutdown = mode;

        TimeSpan grace = mode == ShutdownMode.Graceful ? TimeSpan.FromSeconds(_options.GracefulTimeout) : QuickStopGrace;
        _shutdownDeadline = Now + (long)grace.TotalMilliseconds;
        LogShuttingDown(_logger, mode.ToString().ToLowerInvariant(), _workers.Count, grace.TotalSeconds);
        foreach (WorkerProcess worker in _workers)
            Stop(worker, mode == ShutdownMode.Graceful, grace);
    }

    /// <summary>
    /// A ready worker gets a Stop message (it finishes in-flight requests); a booting one, whose channel reader has not
    /// started yet, gets the matching signal instead. Either way it is killed if still there at the deadline.
    /// </summary>
    private void Stop(WorkerProcess worker, bool graceful, TimeSpan grace)
    {
        bool told = worker.State == WorkerState.Ready
            && worker.TrySend(new StopMessage(graceful, (int)grace.TotalMilliseconds));
        if (!told)
            worker.Signal(graceful ? Interop.Libc.SIGTERM : 2 /* SIGINT */);
        worker.State = WorkerState.Stopping;
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
