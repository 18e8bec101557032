using System.Collections.Concurrent;
using System.Diagnostics;

namespace ForkHost.Supervisor.Processes;

/// <summary>
/// The one thread this process starts children from. PR_SET_PDEATHSIG (the workers', and setpriv's for a throwaway
/// MariaDB) follows the thread that forked the child, so a child started from a thread-pool thread would be killed
/// when that thread retires: this thread never does. Starts are serialized, so a descriptor made inheritable for
/// one start cannot leak into another.
/// </summary>
internal sealed class SpawnThread
{
    private readonly BlockingCollection<Request> _requests = [];

    private SpawnThread()
    {
        var thread = new Thread(Run) { IsBackground = true, Name = "forkhost-spawner" };
        thread.Start();
    }

    public static SpawnThread Instance { get; } = new();

    /// <param name="around">Runs on the spawn thread around Process.Start: before it, and (disposed) right after.</param>
    public Task<Process> StartAsync(ProcessStartInfo startInfo, Func<IDisposable>? around = null)
    {
        var request = new Request(startInfo, around, new TaskCompletionSource<Process>(TaskCreationOptions.RunContinuationsAsynchronously));
        _requests.Add(request);
        return request.Completion.Task;
    }

    private void Run()
    {
        foreach (Request request in _requests.GetConsumingEnumerable())
        {
            try
            {
                using IDisposable? scope = request.Around?.Invoke();
                request.Completion.SetResult(Process.Start(request.StartInfo)
                    ?? throw new InvalidOperationException($"Process.Start returned no process for {request.StartInfo.FileName}."));
            }
            catch (Exception e)
            {
                request.Completion.TrySetException(e);
            }
        }
    }

    private sealed record Request(ProcessStartInfo StartInfo, Func<IDisposable>? Around, TaskCompletionSource<Process> Completion);
}
