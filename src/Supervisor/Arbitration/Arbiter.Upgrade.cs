using System.Diagnostics;

namespace ForkHost.Supervisor.Arbitration;

/// <summary>
/// Upgrade (SIGUSR2), after Unicorn: the binary now on disk starts as a successor supervisor that inherits the
/// listeners; once its workers are ready it sends this one SIGTERM, which then hands over and drains.
/// </summary>
internal sealed partial class Arbiter
{
    private Process? _successor;

    private bool UpgradeUnderWay => _successor is { HasExited: false } && !HandedOver;

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
            CountUpgrade(UpgradeFailed);
        }
    }

    private void OnSuccessorExited(Process successor)
    {
        if (successor != _successor || HandedOver)
            return;
        LogUpgradeFailed(_logger, $"the new supervisor (pid {successor.Id}) exited with code {successor.ExitCode} before taking over; this one keeps serving");
        CountUpgrade(UpgradeFailed);
        _successor = null;
        RunPendingReload();
    }

    /// <summary>SIGTERM while a successor runs: it is ready and serves now, and the shared files are its own.</summary>
    private bool TryHandOver()
    {
        if (_successor is not { HasExited: false } successor)
            return false;
        HandedOver = true;
        CountUpgrade(UpgradeHandedOver);
        _reloadPending = false;
        LogHandingOver(_logger, successor.Id);
        return true;
    }

    /// <summary>This supervisor is a successor and its workers are all ready: the predecessor may drain.</summary>
    private void TakeOverFromPredecessor()
    {
        if (_predecessor is not int predecessor)
            return;
        LogTakingOver(_logger, predecessor);
        _tookOver = true;
        _ = Interop.Libc.Kill(predecessor, Interop.Signals.SIGTERM);
    }
}
