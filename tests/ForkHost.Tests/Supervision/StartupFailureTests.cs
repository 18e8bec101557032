using ForkHost.Logging;
using ForkHost.Tests.Infrastructure;

namespace ForkHost.Tests.Supervision;

/// <summary>Starts that cannot work end with one clear message and a documented exit code, and leave nothing running.</summary>
public sealed class StartupFailureTests
{
    [Fact]
    public async Task An_app_whose_load_step_throws_exits_4_with_its_error_and_spawns_no_worker()
    {
        await using var forkhost = ForkHostProcess.Run(RepositoryPaths.TestApp("LoadFailsApp"), "--workers", "2", "--bind", "127.0.0.1:0");

        Assert.Equal(4, await forkhost.WaitForExitAsync());
        SupervisorLogEvent failure = Assert.Single(forkhost.EventsWithId(EventIds.AppLoadFailed));
        Assert.Contains(TestApps.LoadFailsApp.Error, failure.String("ExceptionMessage"));
        Assert.Empty(forkhost.EventsWithId(EventIds.WorkerSpawned));
        // Binding comes before any app code, so a port in use fails without running the load step; a load step that
        // fails then releases what was bound.
        SupervisorLogEvent listening = Assert.Single(forkhost.EventsWithId(EventIds.Listening));
        Assert.True(forkhost.Events.ToList().IndexOf(listening) < forkhost.Events.ToList().IndexOf(failure));
        using var probe = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, new Uri(listening.String("Address")!).Port);
        probe.Start();
    }

    [Fact]
    public async Task Workers_that_crash_at_boot_every_time_halt_the_supervisor_after_the_bounded_tries()
    {
        await using var forkhost = ForkHostProcess.Run(RepositoryPaths.TestApp("BootFailsApp"), "--workers", "2", "--bind", "127.0.0.1:0", "--max-boot-failures", "3");

        Assert.Equal(3, await forkhost.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        SupervisorLogEvent halt = Assert.Single(forkhost.EventsWithId(EventIds.Halting));
        Assert.Contains("failed to boot 3 times in a row", halt.String("Reason"));
        Assert.Contains(TestApps.BootFailsApp.Error, halt.String("Reason"));
        // Two slots boot at once, so at most one more spawn than the limit can be under way when the limit is reached.
        Assert.InRange(forkhost.EventsWithId(EventIds.WorkerSpawned).Count, 3, 4);
        Assert.All(forkhost.AllSpawnedWorkerPids, pid => Assert.False(ProcessTable.IsAlive(pid)));
    }

    public static TheoryData<string[], string> BadOptions => new()
    {
        { ["--app", "HELLO", "--workers", "0"], "--workers must be between 1 and 1024 (got 0)" },
        { ["--app", "HELLO", "--workers", "many"], "--workers: 'many' is not a valid whole number" },
        { ["--app", "HELLO", "--bind", "nonsense"], "--bind 'nonsense': expected HOST:PORT" },
        { ["--app", "HELLO", "--bind", "example.com:80"], "is not an IP address" },
        { ["--app", "/nonexistent/App.dll"], "--app '/nonexistent/App.dll': file '/nonexistent/App.dll' does not exist" },
        { ["--app", "TESTAPPS:ForkHost.TestApps.NotAnApp"], "does not implement IForkHostApp" },
        { ["--app", "TESTAPPS:ForkHost.TestApps.ConfiguresNothingApp"], "implements IForkHostApp but configures no worker: implement Configure(WorkerContext, WebApplication)" },
        { ["--app", "HELLO", "--state-dir", "/proc/forkhost-state"], "--state-dir '/proc/forkhost-state': cannot create /proc/forkhost-state" },
        { ["--app", "HELLO", "--state-dir", "/etc/hostname"], "--state-dir '/etc/hostname': /etc/hostname is a file; give a directory" },
        { ["--app", "TESTAPPS"], "app types (ForkHost.TestApps." },
        { ["--app", "HELLO", "--forwarded-allow-ips", "127.0.0.1,proxy.internal"], "--forwarded-allow-ips: 'proxy.internal' is neither an IP address nor a CIDR range" },
        { ["--app", "HELLO", "--log-format", "xml"], "--log-format must be text or json (got 'xml')" },
        { ["--app", "HELLO", "--timeout", "-1"], "--timeout must be a number of seconds above 0" },
        { ["--app", "HELLO", "--inherit", "everything"], "--inherit: 'everything' is not a valid choice (listeners or fork)" },
        { ["--app", "HELLO", "--no-such-option", "1"], "unknown option --no-such-option" },
        { ["--workers", "2"], "--app is required" },
    };

    [Theory]
    [MemberData(nameof(BadOptions))]
    public async Task A_bad_option_gives_one_clear_line_and_exit_code_2(string[] options, string expected)
    {
        string[] args = options.Select(o => o.Replace("TESTAPPS", RepositoryPaths.TestApps).Replace("HELLO", RepositoryPaths.HelloApp)).ToArray();
        await using var forkhost = ForkHostProcess.Start(["run", .. args]);

        Assert.Equal(2, await forkhost.WaitForExitAsync());
        string line = Assert.Single(forkhost.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("forkhost: ", line);
        Assert.Contains(expected, line);
        Assert.Empty(forkhost.EventsWithId(EventIds.WorkerSpawned));
    }

    [Fact]
    public async Task A_port_in_use_is_a_clear_error_with_exit_code_2()
    {
        using var occupied = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        occupied.Start();
        int port = ((System.Net.IPEndPoint)occupied.LocalEndpoint).Port;

        await using var forkhost = ForkHostProcess.Run(RepositoryPaths.HelloApp, "--bind", $"127.0.0.1:{port}");
        Assert.Equal(2, await forkhost.WaitForExitAsync());
        Assert.Contains("address is already in use", forkhost.Stderr);
        Assert.Empty(forkhost.EventsWithId(EventIds.WorkerSpawned));
    }
}
