using ForkHost.Supervisor.Fleet;
using ForkHost.Supervisor.Workers;

namespace ForkHost.Supervisor.Arbitration;

/// <summary>
/// The fleet endpoint's view of the loop (--metrics-bind): at the end of every turn the loop records that it turned
/// and publishes its readiness, so /livez is timed by the loop itself and /readyz never reads the loop's state.
/// </summary>
internal sealed partial class Arbiter
{
    /// <summary>Set in a USR2 successor once its workers are ready and it told its predecessor to stop.</summary>
    private bool _tookOver;

    /// <summary>Whether this supervisor is the one that answers on the fleet endpoint (see <see cref="FleetReadiness.IsCurrent"/>).</summary>
    private bool IsCurrentSupervisor => !HandedOver && (_predecessor is null || _tookOver);

    private void PublishHealth() => _health.RecordTurn(CurrentReadiness());

    private FleetReadiness CurrentReadiness() => new(
        _workers.Count(w => w.State == WorkerState.Ready),
        RequiredReadyWorkers,
        _wantedWorkers,
        StoppingMode,
        IsCurrentSupervisor);

    /// <summary>--ready-workers, or every wanted worker: by default a pod is ready when it serves at full strength.</summary>
    private int RequiredReadyWorkers => Settings.RequiredReadyWorkers(_wantedWorkers);
}
