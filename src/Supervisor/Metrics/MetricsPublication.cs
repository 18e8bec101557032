namespace ForkHost.Supervisor.Metrics;

/// <summary>
/// Where the arbiter loop publishes its <see cref="FleetMetricsSnapshot"/> at the end of every turn, for the fleet
/// endpoint's HTTP threads: one volatile reference, written by the loop alone, read without a lock.
/// </summary>
internal sealed class MetricsPublication
{
    private FleetMetricsSnapshot? _current;

    /// <summary>The last snapshot; null before the loop's first turn (generation 1 still loading).</summary>
    public FleetMetricsSnapshot? Current => Volatile.Read(ref _current);

    public void Publish(FleetMetricsSnapshot snapshot) => Volatile.Write(ref _current, snapshot);
}
