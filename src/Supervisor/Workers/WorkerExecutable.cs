using System.Runtime.InteropServices;

namespace ForkHost.Supervisor.Workers;

/// <summary>Where forkhost-worker is: next to forkhost, as an apphost, or as a dll run by the same dotnet host.</summary>
internal sealed record WorkerExecutable(string FileName, IReadOnlyList<string> Arguments)
{
    public const string Name = "forkhost-worker";

    public static WorkerExecutable Locate()
    {
        string directory = AppContext.BaseDirectory;
        string apphost = Path.Combine(directory, Name);
        if (File.Exists(apphost) && (File.GetUnixFileMode(apphost) & UnixFileMode.UserExecute) != 0)
            return new WorkerExecutable(apphost, []);

        string dll = Path.Combine(directory, Name + ".dll");
        if (!File.Exists(dll))
            throw new FileNotFoundException($"{Name} is not next to forkhost in {directory}; rebuild or reinstall ForkHost.", dll);

        // The runtime lives in <dotnet root>/shared/Microsoft.NETCore.App/<version>/.
        string runtime = RuntimeEnvironment.GetRuntimeDirectory();
        string dotnet = Path.GetFullPath(Path.Combine(runtime, "..", "..", "..", "dotnet"));
        return new WorkerExecutable(File.Exists(dotnet) ? dotnet : "dotnet", [dll]);
    }
}
