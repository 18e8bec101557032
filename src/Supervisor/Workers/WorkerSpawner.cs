using System.Collections.Concurrent;
using System.Diagnostics;
using ForkHost.Channel;

namespace ForkHost.Supervisor.Workers;

/// <summary>
/// Starts worker processes from one dedicated, long-lived thread. Two reasons: PR_SET_PDEATHSIG follows the thread
/// that forked the child (a worker spawned from a thread-pool thread would be killed when that thread retires), and
/// a descriptor made inheritable for one spawn must not leak into another, so spawns are serialized.
/// </summary>
internal sealed class WorkerSpawner
{
    private readonly BlockingCollection<SpawnRequest> _requests = [];
    private readonly WorkerExecutable _executable;

    public WorkerSpawner(WorkerExecutable executable)
    {
        _executable = executable;
        // Never stopped: the thread must outlive every worker it spawned.
        var thread = new Thread(Run) { IsBackground = true, Name = "forkhost-spawner" };
        thread.Start();
    }

    /// <summary>Starts a worker that inherits <paramref name="channelFd"/> (and only it) under the same number.</summary>
    public Task<Process> SpawnAsync(int channelFd, IReadOnlyDictionary<string, string> environment)
    {
        var request = new SpawnRequest(channelFd, environment, new TaskCompletionSource<Process>(TaskCreationOptions.RunContinuationsAsynchronously));
        _requests.Add(request);
        return request.Completion.Task;
    }

    private void Run()
    {
        foreach (SpawnRequest request in _requests.GetConsumingEnumerable())
        {
            try
            {
                request.Completion.SetResult(Start(request));
            }
            catch (Exception e)
            {
                request.Completion.SetException(e);
            }
        }
    }

    private Process Start(SpawnRequest request)
    {
        var startInfo = new ProcessStartInfo(_executable.FileName) { UseShellExecute = false };
        foreach (string argument in _executable.Arguments)
            startInfo.ArgumentList.Add(argument);
        foreach ((string name, string value) in request.Environment)
            startInfo.Environment[name] = value;
        startInfo.Environment[ChannelProtocol.ChannelFdVariable] = request.ChannelFd.ToString(System.Globalization.CultureInfo.InvariantCulture);
        startInfo.Environment["FORKHOST_SUPERVISOR_PID"] = Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture);

        FileDescriptors.SetCloseOnExec(request.ChannelFd, false);
        try
        {
            return Process.Start(startInfo) ?? throw new InvalidOperationException($"Process.Start returned no process for {_executable.FileName}.");
        }
        finally
        {
            FileDescriptors.SetCloseOnExec(request.ChannelFd, true);
        }
    }

    private sealed record SpawnRequest(int ChannelFd, IReadOnlyDictionary<string, string> Environment, TaskCompletionSource<Process> Completion);
}
