using ForkHost.Apps;
using ForkHost.Supervisor;
using ForkHost.Worker;

namespace ForkHost;

/// <summary>
/// Runs an app as its own pre-fork host: the one call an app's <c>Main</c> makes. The program is then both the
/// supervisor (started by you, systemd or a container) and every worker (started again by the supervisor through
/// /proc/self/exe, with the channel's descriptor in its environment), as with Puma, Unicorn or Node's cluster.
/// </summary>
/// <example>
/// <code>
/// public static Task&lt;int&gt; Main(string[] args) => ForkHostProgram.RunAsync&lt;MyApp&gt;(args);
/// </code>
/// Then <c>dotnet run -- --workers 4 --bind 127.0.0.1:8000</c>, or the published binary with the same options.
/// </example>
public static class ForkHostProgram
{
    /// <summary>
    /// As the supervisor: takes every option of <c>forkhost run</c> but <c>--app</c> (also from FORKHOST_* variables
    /// and the "ForkHost" section of appsettings.json), and <c>status</c> as a command; runs <typeparamref name="TApp"/>'s
    /// load step, binds the sockets, starts the workers and supervises them until it is stopped (SIGTERM, SIGINT,
    /// SIGQUIT). SIGHUP runs the load step again in this same code and replaces the workers; SIGUSR2 starts the program
    /// now on disk as the successor supervisor, which is how new code is deployed. As a worker: serves the app.
    /// </summary>
    /// <typeparam name="TApp">The app: its load step runs in the supervisor, its builder and pipeline in every worker.</typeparam>
    /// <param name="args">The command line, as given to Main.</param>
    /// <returns>The exit code: 0 stopped cleanly, 1 unexpected error, 2 bad option or configuration, 3 workers failed to
    /// boot repeatedly, 4 the app's load step failed, 5 --fork-safety strict refused to spawn.</returns>
    public static Task<int> RunAsync<TApp>(string[] args) where TApp : class, IForkHostApp, new()
    {
        ArgumentNullException.ThrowIfNull(args);
        AppSource app = AppSource.Compiled<TApp>();
        return WorkerProgram.IsWorkerProcess
            ? WorkerProgram.RunAsync(app)
            : ForkHostCommands.RunOwnExecutableAsync(args, app);
    }
}
