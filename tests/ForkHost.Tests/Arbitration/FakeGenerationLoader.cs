using ForkHost.Supervisor;
using ForkHost.Supervisor.Generations;

namespace ForkHost.Tests.Arbitration;

/// <summary>
/// A loader whose load steps the test finishes by hand: each <see cref="IGenerationLoader.ReloadAsync"/> call waits until
/// the test calls <see cref="Complete"/> or <see cref="Refuse"/>, so a test can send signals while a load step runs.
/// </summary>
internal sealed class FakeGenerationLoader(Func<int, Generation> build) : IGenerationLoader
{
    private readonly Lock _lock = new();
    private readonly List<(int Number, TaskCompletionSource<GenerationLoadResult> Result)> _calls = [];

    public IReadOnlyList<int> Requested
    {
        get { lock (_lock) return _calls.Select(c => c.Number).ToList(); }
    }

    public int Running
    {
        get { lock (_lock) return _calls.Count(c => !c.Result.Task.IsCompleted); }
    }

    public Task<GenerationLoadResult> ReloadAsync(int number, CancellationToken cancellationToken)
    {
        var result = new TaskCompletionSource<GenerationLoadResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_lock)
            _calls.Add((number, result));
        cancellationToken.Register(() => result.TrySetCanceled(cancellationToken));
        return result.Task;
    }

    /// <summary>Waits for the load step the arbiter started off its loop, then finishes it with a generation.</summary>
    public Task CompleteAsync(IReadOnlyList<string>? restartOnlyChanges = null) =>
        FinishAsync(number => GenerationLoadResult.Success(build(number), restartOnlyChanges));

    public Task RefuseAsync(string reason) => FinishAsync(_ => GenerationLoadResult.Refused(reason, ExitCodes.Usage));

    /// <summary>Waits (the arbiter starts a load on the thread pool) until a load step is running.</summary>
    public Task WaitForRunningAsync() =>
        Infrastructure.Eventually.HoldsAsync(() => Running == 1, TimeSpan.FromSeconds(10), "a load step is running");

    private async Task FinishAsync(Func<int, GenerationLoadResult> result)
    {
        await WaitForRunningAsync();
        (int Number, TaskCompletionSource<GenerationLoadResult> Result) call;
        lock (_lock)
            call = _calls.Single(c => !c.Result.Task.IsCompleted);
        call.Result.SetResult(result(call.Number));
    }
}
