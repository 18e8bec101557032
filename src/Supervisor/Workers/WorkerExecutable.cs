using ForkHost.Channel;

namespace ForkHost.Supervisor.Workers;

/// <summary>
/// How a worker is started: the supervisor's own program again, through /proc/self/exe. Unicorn's and Puma's rule,
/// and Node's cluster's: one program whose role is chosen at start (here by the channel descriptor in the
/// environment). /proc/self/exe is the file this process was started from even after a deploy replaced the path, so
/// respawned workers run the supervisor's code; what is read from disk later (the assemblies under the JIT) is
/// checked by the worker against the supervisor's <see cref="Apps.ProgramBuild"/>.
/// </summary>
/// <param name="FileName">The program to start.</param>
/// <param name="Arguments">Its arguments: the entry assembly again under the dotnet host, then the worker marker.</param>
internal sealed record WorkerExecutable(string FileName, IReadOnlyList<string> Arguments)
{
    public const string OwnProgram = "/proc/self/exe";

    public static WorkerExecutable Self()
    {
        string process = Environment.ProcessPath ?? OwnProgram;
        // Under "dotnet forkhost.dll …" (or "dotnet App.dll") the host needs the entry assembly again; an apphost or a
        // NativeAOT binary is the program itself.
        return Path.GetFileNameWithoutExtension(process) == "dotnet"
            ? new WorkerExecutable(OwnProgram, [Environment.GetCommandLineArgs()[0], ChannelProtocol.WorkerMarker])
            : new WorkerExecutable(OwnProgram, [ChannelProtocol.WorkerMarker]);
    }
}
