using ForkHost.Supervisor.Workers;

namespace ForkHost.Tests.Arbitration;

/// <summary>Launches <see cref="FakeWorker"/>s, with pids from 10,000 up, and remembers every one.</summary>
internal sealed class FakeWorkerLauncher : IWorkerLauncher
{
    private readonly Lock _lock = new();
    private readonly List<FakeWorker> _launched = [];
    private int _nextPid = 10_000;

    /// <summary>Set to make the next launches fail, as a refused fork would.</summary>
    public string? FailWith { get; set; }

    /// <summary>Runs for each new worker, on the arbiter loop (a test's automatic behaviour: ready at once, say).</summary>
    public Action<FakeWorker>? OnLaunched { get; set; }

    public IReadOnlyList<FakeWorker> Launched
    {
        get { lock (_lock) return _launched.ToList(); }
    }

    public IReadOnlyList<FakeWorker> Live => Launched.Where(w => w.ExitCode is null).ToList();

    public Task<IWorkerProcess> LaunchAsync(WorkerBoot boot, IWorkerEvents events)
    {
        if (FailWith is { } failure)
            throw new WorkerLaunchException(failure);
        FakeWorker worker;
        lock (_lock)
        {
            worker = new FakeWorker(_nextPid++, boot, events);
            _launched.Add(worker);
        }
        OnLaunched?.Invoke(worker);
        return Task.FromResult<IWorkerProcess>(worker);
    }
}
