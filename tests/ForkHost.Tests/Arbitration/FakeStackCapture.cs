using ForkHost.Supervisor.Workers;

namespace ForkHost.Tests.Arbitration;

/// <summary>Records which workers' stacks the arbiter asked for, and answers with a made-up stack.</summary>
internal sealed class FakeStackCapture : IWorkerStackCapture
{
    public const string Stacks = "Thread 7 (OS thread 4242):\n   at App.Reports.Render()";

    private readonly Lock _lock = new();
    private readonly List<int> _stacks = [];
    private readonly List<(int Pid, string Directory)> _dumps = [];

    public IReadOnlyList<int> StacksOf
    {
        get { lock (_lock) return _stacks.ToList(); }
    }

    public IReadOnlyList<(int Pid, string Directory)> Dumps
    {
        get { lock (_lock) return _dumps.ToList(); }
    }

    public Task<WorkerStacks> CaptureAsync(int pid, CancellationToken cancellationToken)
    {
        lock (_lock)
            _stacks.Add(pid);
        return Task.FromResult(new WorkerStacks(Stacks, 1, null));
    }

    public Task<WorkerDump> WriteDumpAsync(int pid, string directory, CancellationToken cancellationToken)
    {
        lock (_lock)
            _dumps.Add((pid, directory));
        return Task.FromResult(new WorkerDump(Path.Combine(directory, $"worker-{pid}.dmp"), null));
    }
}
