using ForkHost.Apps;
using ForkHost.Channel;
using ForkHost.Supervisor;
using ForkHost.Worker;

namespace ForkHost.Tool;

internal static class Program
{
    /// <summary>
    /// A worker when a supervisor started this program with the channel in its environment (or by hand with the
    /// worker marker, which it then refuses in one line); the forkhost command line otherwise. Either way the app
    /// comes from the --app assembly, loaded like a plugin.
    /// </summary>
    public static async Task<int> Main(string[] args)
    {
        AppSource apps = AppSource.FromAssemblyFile(AppLoader.Load);
        return WorkerProgram.IsWorkerProcess || args is [ChannelProtocol.WorkerMarker, ..]
            ? await WorkerProgram.RunAsync(apps)
            : await ForkHostCommands.RunToolAsync(args, apps);
    }
}
