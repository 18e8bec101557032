using System.Runtime.InteropServices;
using ForkHost.Supervisor.Workers;

namespace ForkHost.Supervisor.Arbitration;

/// <summary>Signals: what each one means, handed to the feature it belongs to.</summary>
internal sealed partial class Arbiter
{
    // PosixSignal has no USR1/USR2 members; raw signal numbers are accepted on Unix.
    internal const PosixSignal SIGUSR1 = (PosixSignal)Interop.Signals.SIGUSR1;
    internal const PosixSignal SIGUSR2 = (PosixSignal)Interop.Signals.SIGUSR2;

    /// <summary>The signals the supervisor handles (<see cref="SignalForwarding"/> registers them).</summary>
    internal static readonly PosixSignal[] HandledSignals =
        [PosixSignal.SIGTERM, PosixSignal.SIGINT, PosixSignal.SIGQUIT, PosixSignal.SIGHUP, PosixSignal.SIGTTIN, PosixSignal.SIGTTOU, SIGUSR1, SIGUSR2];

    private async Task OnSignalAsync(PosixSignal signal)
    {
        LogSignal(_logger, signal switch { SIGUSR1 => "SIGUSR1", SIGUSR2 => "SIGUSR2", _ => signal.ToString() });
        switch (signal)
        {
            case PosixSignal.SIGTERM:
                // From the successor, once its workers are ready (no delay: it serves on the same sockets); else from
                // the operator, systemd or an orchestrator, which may want --shutdown-delay first.
                if (TryHandOver() || !DelayShutdown())
                    BeginShutdown(ShutdownMode.Graceful);
                break;
            case PosixSignal.SIGINT or PosixSignal.SIGQUIT:
                BeginShutdown(ShutdownMode.Quick);
                break;
            case PosixSignal.SIGTTIN when !StopRequested:
                _wantedWorkers = Math.Min(_wantedWorkers + 1, Configuration.ForkHostOptionsValidator.MaxWorkers);
                LogWantedWorkers(_logger, _wantedWorkers);
                _notifier.Status(StatusText());
                break;
            case PosixSignal.SIGTTOU when !StopRequested:
                _wantedWorkers = Math.Max(_wantedWorkers - 1, 1);
                LogWantedWorkers(_logger, _wantedWorkers);
                _notifier.Status(StatusText());
                break;
            case PosixSignal.SIGHUP:
                OnReloadRequested();
                break;
            case SIGUSR1:
                // logrotate's postrotate: file sinks let go of the rotated file and open the path afresh, everywhere.
                _reopenLogs();
                foreach (WorkerHandle worker in _workers)
                    worker.Process.Signal(Interop.Signals.SIGUSR1);
                LogLogsReopened(_logger, _workers.Count);
                break;
            case SIGUSR2 when !StopRequested:
                await StartSuccessorAsync();
                break;
        }
    }
}
