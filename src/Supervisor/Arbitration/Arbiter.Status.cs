using ForkHost.Supervisor.Control;
using ForkHost.Supervisor.Workers;

namespace ForkHost.Supervisor.Arbitration;

internal sealed partial class Arbiter
{
    /// <summary>
    /// For the control server's threads. The snapshot is taken on the loop, between two events, so it is consistent and
    /// no worker state is read off the loop; a request queued after the loop has ended waits until cancelled.
    /// </summary>
    public async Task<StatusSnapshot> GetStatusAsync(CancellationToken cancellationToken)
    {
        // Asynchronous continuations: the control server's code must not run on the loop when the reply is set.
        var reply = new TaskCompletionSource<StatusSnapshot>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using CancellationTokenRegistration registration = cancellationToken.Register(() => reply.TrySetCanceled(cancellationToken));
        _events.Writer.TryWrite(new ArbiterEvent.StatusRequested(reply));
        return await reply.Task;
    }

    private void OnStatusRequested(TaskCompletionSource<StatusSnapshot> reply) => reply.TrySetResult(TakeSnapshot());

    private StatusSnapshot TakeSnapshot()
    {
        long now = Now;
        Fleet.FleetReadiness readiness = CurrentReadiness();
        var workers = _workers
            .OrderBy(w => w.Slot)
            .ThenBy(w => w.SpawnedAt)
            .Select(w => new WorkerStatus(
                w.Slot,
                w.Pid,
                w.Generation,
                w.State.ToString().ToLowerInvariant(),
                now - w.SpawnedAt,
                w.ReadyAt - w.SpawnedAt,
                w.LastHeartbeat?.RequestsServed,
                w.LastHeartbeat?.RequestsInFlight,
                w.LastHeartbeat?.ResidentBytes,
                w.LastHeartbeat?.ManagedHeapBytes,
                w.LastHeartbeat?.OpenDescriptors,
                w.LastHeartbeat?.DescriptorLimit,
                w.State == WorkerState.Booting ? null : now - w.LastHeartbeatAt,
                w.OldestRequestAgeAt(now),
                w.LastHeartbeat?.OldestRequest is { } oldest ? $"{oldest.Method} {oldest.Path}" : null))
            .ToList();
        return new StatusSnapshot(
            Environment.ProcessId,
            ThisAssembly.Version,
            now - _startedAt,
            _current.Number,
            _wantedWorkers,
            _workers.Count,
            readiness.ReadyWorkers,
            readiness.IsReady,
            readiness.RequiredWorkers,
            StoppingMode,
            ReloadDescription(),
            _listeners.Primary.Select(l => l.Address).ToList(),
            workers,
            _placement.Status(now));
    }
}
