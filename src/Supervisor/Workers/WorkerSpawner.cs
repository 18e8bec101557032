using System.Diagnostics;
using System.Globalization;
using ForkHost.Channel;
using ForkHost.Supervisor.Configuration;
using ForkHost.Supervisor.Processes;

namespace ForkHost.Supervisor.Workers;

/// <summary>
/// Starts a worker so that it inherits its end of the channel, and only that, under the same descriptor number:
/// close-on-exec is cleared for the moment of the start, on the <see cref="SpawnThread"/>.
/// </summary>
/// <param name="diagnostics">--worker-diagnostics: whether workers open the .NET diagnostics IPC socket.</param>
internal sealed class WorkerSpawner(WorkerExecutable executable, WorkerDiagnosticsMode diagnostics = WorkerDiagnosticsMode.On)
{
    /// <param name="environment">Set last, over the supervisor's environment: the arbiter decided them for this worker.</param>
    public Task<Process> SpawnAsync(int channelFd, IReadOnlyDictionary<string, string>? environment = null)
    {
        var startInfo = new ProcessStartInfo(executable.FileName) { UseShellExecute = false };
        foreach (string argument in executable.Arguments)
            startInfo.ArgumentList.Add(argument);
        startInfo.Environment[ChannelProtocol.ChannelFdVariable] = channelFd.ToString(CultureInfo.InvariantCulture);
        startInfo.Environment[ChannelProtocol.SupervisorPidVariable] = Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
        foreach ((string name, string value) in WorkerRuntimeSettings.Missing(startInfo.Environment))
            startInfo.Environment[name] = value;
        foreach ((string name, string value) in WorkerRuntimeSettings.ForDiagnostics(diagnostics))
            startInfo.Environment[name] = value;
        foreach ((string name, string value) in environment ?? new Dictionary<string, string>())
            startInfo.Environment[name] = value;
        return SpawnThread.Instance.StartAsync(startInfo, () => new InheritableDescriptors([channelFd]));
    }
}
