using System.Diagnostics;
using ForkHost.Channel;
using ForkHost.Tests.Infrastructure;

namespace ForkHost.Tests.Channel;

/// <summary>Starts the real forkhost-worker with a channel whose other end the test holds, to speak to it directly.</summary>
internal sealed class FakeSupervisor : IDisposable
{
    private static readonly Lock SpawnLock = new();

    private FakeSupervisor(Process worker, ControlChannel channel)
    {
        Worker = worker;
        Channel = channel;
    }

    public Process Worker { get; }

    public ControlChannel Channel { get; }

    public static FakeSupervisor Start(int? supervisorPid = null)
    {
        (ControlChannel ours, ControlChannel theirs) = ControlChannel.CreatePair();
        var startInfo = new ProcessStartInfo(RepositoryPaths.Worker) { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
        startInfo.Environment[ChannelProtocol.ChannelFdVariable] = theirs.Descriptor.ToString(System.Globalization.CultureInfo.InvariantCulture);
        startInfo.Environment["FORKHOST_SUPERVISOR_PID"] = (supervisorPid ?? Environment.ProcessId).ToString(System.Globalization.CultureInfo.InvariantCulture);
        Process worker;
        lock (SpawnLock)
        {
            FileDescriptors.SetCloseOnExec(theirs.Descriptor, false);
            worker = Process.Start(startInfo)!;
            FileDescriptors.SetCloseOnExec(theirs.Descriptor, true);
        }
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
