using System.Globalization;
using ForkHost.Logging;
using ForkHost.Tests.Infrastructure;

namespace ForkHost.Tests.Service;

/// <summary>Workers' .NET diagnostics sockets: removed when a worker is reaped, or not opened at all (--worker-diagnostics off).</summary>
public sealed class DiagnosticsSocketTests
{
    [Fact]
    public async Task A_sigkilled_workers_diagnostics_socket_is_removed_when_it_is_reaped()
    {
        await using var forkhost = ForkHostProcess.Run(RepositoryPaths.HelloApp, "--workers", "2", "--bind", "127.0.0.1:0");
        await forkhost.WaitForAllReadyAsync();
        int victim = forkhost.WorkerPids()[0];
        string socket = DiagnosticsSocketOf(victim);
        Assert.True(File.Exists(socket), $"{socket} does not exist");

        Assert.Equal(0, Interop.Libc.Kill(victim, Interop.Signals.SIGKILL));
        // Removed when the supervisor reaps the worker, which it replaces at once: by the time a replacement is spawned.
        await forkhost.WaitForEventAsync(EventIds.WorkerSpawned, count: 3);
        await Eventually.HoldsAsync(() => !File.Exists(socket), TimeSpan.FromSeconds(10), "the killed worker's socket was removed", forkhost.Diagnostics);
    }

    [Fact]
    public async Task A_user_workers_diagnostics_socket_is_removed_after_a_clean_stop()
    {
        Assert.True(Interop.Libc.GetUserId() == 0, "this test needs root, as the CI machine has");
        string copy = WorldReadable.Copy(RepositoryPaths.SupervisorDirectory, "forkhost");
        string app = WorldReadable.Copy(Path.GetDirectoryName(RepositoryPaths.HelloApp)!, "hello");
        try
        {
            await using var forkhost = ForkHostProcess.Start(
                ["run", "--app", Path.Combine(app, "Hello.dll"), "--workers", "2", "--bind", "127.0.0.1:0", "--user", "nobody", "--group", "nogroup"],
                executable: Path.Combine(copy, "forkhost"));
            await forkhost.WaitForAllReadyAsync();
            var sockets = forkhost.WorkerPids().Select(DiagnosticsSocketOf).ToList();
            Assert.All(sockets, socket => Assert.True(File.Exists(socket), $"{socket} does not exist"));

            forkhost.Signal(Interop.Signals.SIGTERM);
            Assert.Equal(0, await forkhost.WaitForExitAsync());

            Assert.All(sockets, socket => Assert.False(File.Exists(socket), $"{socket} is still there"));
        }
        finally
        {
            Directory.Delete(copy, recursive: true);
            Directory.Delete(app, recursive: true);
        }
    }

    [Fact]
    public async Task With_worker_diagnostics_off_workers_open_no_diagnostics_socket()
    {
        await using var forkhost = ForkHostProcess.Run(RepositoryPaths.HelloApp, "--workers", "1", "--bind", "127.0.0.1:0", "--worker-diagnostics", "off");
        await forkhost.WaitForAllReadyAsync();

        int worker = Assert.Single(forkhost.WorkerPids());
        Assert.False(File.Exists(DiagnosticsSocketOf(worker)));
        Assert.True(File.Exists(DiagnosticsSocketOf(forkhost.Pid)));
    }

    /// <summary>
    /// The process's own socket, named while it runs: the runtime names it after the pid and the process's start time (field 22 of
    /// /proc/PID/stat), so a stale file left by an earlier process that had the same pid is not counted.
    /// </summary>
    private static string DiagnosticsSocketOf(int pid)
    {
        string stat = File.ReadAllText($"/proc/{pid}/stat");
        // The command name (field 2) may hold spaces: count fields after its closing parenthesis.
        string startTime = stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[19];
        return Path.Combine(Path.GetTempPath(), $"dotnet-diagnostic-{pid.ToString(CultureInfo.InvariantCulture)}-{startTime}-socket");
    }
}
