using System.Diagnostics;
using ForkHost.Channel;
using ForkHost.Tests.Infrastructure;

namespace ForkHost.Tests.Channel;

/// <summary>Starts the real forkhost-worker with a channel whose other end the test holds, to speak to it directly.</summary>
internal sealed class FakeSupervisor : IDisposable
{
    private FakeSupervisor(Process worker, ControlChannel channel)
    {
        Worker = worker;
        Channel = channel;
    }

    public Process Worker { get; }

    public ControlChannel Channel { get; }

    /// <remarks>
    /// Spawned from the supervisor's own long-lived spawn thread: the worker arms PR_SET_PDEATHSIG, which fires when
    /// the spawning *thread* ends, and a test's thread-pool thread may end at any time (a worker of this test was once
    /// killed by SIGTERM that way, exit code 143).
    /// </remarks>
    public static async Task<FakeSupervisor> StartAsync(int? supervisorPid = null)
    {
        (ControlChannel ours, ControlChannel theirs) = ControlChannel.CreatePair();
        var startInfo = new ProcessStartInfo(RepositoryPaths.Worker) { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
        startInfo.Environment[ChannelProtocol.ChannelFdVariable] = theirs.Descriptor.ToString(System.Globalization.CultureInfo.InvariantCulture);
        startInfo.Environment["FORKHOST_SUPERVISOR_PID"] = (supervisorPid ?? Environment.ProcessId).ToString(System.Globalization.CultureInfo.InvariantCulture);
        Process worker = await ForkHost.Supervisor.Processes.SpawnThread.Instance.StartAsync(
            startInfo, () => new ForkHost.Supervisor.Processes.InheritableDescriptors([theirs.Descriptor]));
        theirs.Dispose();
        return new FakeSupervisor(worker, ours);
    }

    public async Task<(int ExitCode, string Stderr)> WaitForExitAsync()
    {
        Task<string> stderr = Worker.StandardError.ReadToEndAsync();
        await Worker.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(20));
        return (Worker.ExitCode, await stderr);
    }

    public void Dispose()
    {
        if (!Worker.HasExited)
            Worker.Kill();
        Channel.Dispose();
        Worker.Dispose();
    }
}
