namespace ForkHost.Supervisor.Workers;

/// <summary>A build that cannot read stacks (NativeAOT): every capture and dump reports why, and nothing is attempted.</summary>
internal sealed class UnavailableStackCapture(string reason) : IWorkerStackCapture
{
    public Task<WorkerStacks> CaptureAsync(int pid, CancellationToken cancellationToken) =>
        Task.FromResult(new WorkerStacks(null, 0, reason));

    public Task<WorkerDump> WriteDumpAsync(int pid, string directory, CancellationToken cancellationToken) =>
        Task.FromResult(new WorkerDump(null, reason));
}
