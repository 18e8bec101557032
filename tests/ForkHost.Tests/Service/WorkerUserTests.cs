using ForkHost.Tests.Infrastructure;

namespace ForkHost.Tests.Service;

/// <summary>--user/--group: a root supervisor binds, workers run unprivileged. (The tests run as root, as CI does.)</summary>
public sealed class WorkerUserTests
{
    [Fact]
    public async Task Workers_run_as_the_given_user_while_the_supervisor_stays_root()
    {
        Assert.True(Interop.Libc.GetUserId() == 0, "this test needs root, as the CI machine has");
        // The build output may sit under a directory other users cannot enter: run from a world-readable copy.
        string copy = WorldReadable.Copy(RepositoryPaths.SupervisorDirectory, "forkhost");
        string app = WorldReadable.Copy(Path.GetDirectoryName(RepositoryPaths.HelloApp)!, "hello");
        try
        {
            await using var forkhost = ForkHostProcess.Start(
                ["run", "--app", Path.Combine(app, "Hello.dll"), "--workers", "2", "--bind", "127.0.0.1:0", "--user", "nobody", "--group", "nogroup"],
                executable: Path.Combine(copy, "forkhost"));
            Uri address = await forkhost.WaitForHttpAddressAsync();
            await forkhost.WaitForAllReadyAsync();

            Assert.Equal("0", UserIdOf(forkhost.Pid));
            Assert.All(forkhost.WorkerPids(), pid => Assert.Equal("65534", UserIdOf(pid)));
            Assert.All(forkhost.WorkerPids(), pid => Assert.Equal("65534", GroupIdOf(pid)));
            using HttpClient client = Http.CreateClient();
            WhoAmI who = await Http.WhoAmIOnNewConnectionAsync(client, address);
            Assert.Contains(who.Pid, forkhost.WorkerPids());
        }
        finally
        {
            Directory.Delete(copy, recursive: true);
            Directory.Delete(app, recursive: true);
        }
    }

    [Fact]
    public async Task An_unknown_user_is_one_clear_line_and_exit_code_2()
    {
        await using var forkhost = ForkHostProcess.Run(RepositoryPaths.HelloApp, "--user", "no-such-user-forkhost");
        Assert.Equal(2, await forkhost.WaitForExitAsync());
        Assert.Equal("forkhost: --user 'no-such-user-forkhost': no such user (give a name from /etc/passwd or a numeric uid).", forkhost.Stderr.Trim());
    }

    private static string UserIdOf(int pid) => StatusField(pid, "Uid:");

    private static string GroupIdOf(int pid) => StatusField(pid, "Gid:");

    /// <summary>The real id from /proc/PID/status ("Uid:\treal\teffective\tsaved\tfs"), checked equal to the effective one.</summary>
    private static string StatusField(int pid, string field)
    {
        string[] ids = File.ReadLines($"/proc/{pid}/status").Single(l => l.StartsWith(field, StringComparison.Ordinal)).Split('\t', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(ids[1], ids[2]);
        return ids[1];
    }
}
