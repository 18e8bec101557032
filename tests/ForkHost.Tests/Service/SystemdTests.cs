using System.Globalization;
using System.Net;
using System.Net.Sockets;
using ForkHost.Logging;
using ForkHost.Tests.Infrastructure;

namespace ForkHost.Tests.Service;

/// <summary>
/// systemd integration without systemd: a datagram listener as NOTIFY_SOCKET, and systemd-socket-activate. Each for
/// both programs a supervisor can be: forkhost run --app Hello.dll, and Hello's own executable.
/// </summary>
public sealed class SystemdTests
{
    private const string Tool = "forkhost run --app";
    private const string OwnExecutable = "own executable";

    /// <summary>The program and its arguments that serve the Hello sample with <paramref name="options"/>, with JSON logs.</summary>
    private static (string Executable, string[] Arguments) ServeHello(string program, params string[] options) => program == OwnExecutable
        ? (RepositoryPaths.HelloExecutable, [.. options, "--log-format", "json"])
        : (RepositoryPaths.Supervisor, ["run", "--app", RepositoryPaths.HelloApp, .. options, "--log-format", "json"]);

    [Theory]
    [InlineData(Tool)]
    [InlineData(OwnExecutable)]
    public async Task The_notify_sequence_for_start_reload_and_stop_is_exactly_as_documented(string program)
    {
        using var notify = new NotifyListener();
        (string executable, string[] arguments) = ServeHello(program, "--workers", "2", "--bind", "127.0.0.1:0");
        await using var forkhost = ForkHostProcess.Start(arguments, new Dictionary<string, string> { ["NOTIFY_SOCKET"] = notify.Path }, executable);
        await forkhost.WaitForAllReadyAsync();
        Assert.All(forkhost.WorkerPids(), pid => Assert.DoesNotContain("NOTIFY_SOCKET=", File.ReadAllText($"/proc/{pid}/environ")));

        forkhost.Signal(1 /* SIGHUP */);
        await forkhost.WaitForEventAsync(EventIds.Reloaded);
        await Eventually.HoldsAsync(() => notify.Messages.Count >= 3, TimeSpan.FromSeconds(5), "the reload's READY=1 arrived");
        await Eventually.HoldsAsync(() => forkhost.WorkerPids().Count == 2, TimeSpan.FromSeconds(10), "the previous generation drained");
        forkhost.Signal(Interop.Libc.SIGTERM);
        Assert.Equal(0, await forkhost.WaitForExitAsync());
        await Eventually.HoldsAsync(() => notify.Messages.Count >= 4, TimeSpan.FromSeconds(5), "STOPPING=1 arrived");

        IReadOnlyList<string> messages = notify.Messages;
        Assert.Equal(4, messages.Count);
        Assert.Equal($"READY=1\nSTATUS=2 of 2 workers ready (generation 1)\nMAINPID={forkhost.Pid}", messages[0]);
        string[] reloading = messages[1].Split('\n');
        Assert.Equal("RELOADING=1", reloading[0]);
        Assert.StartsWith("MONOTONIC_USEC=", reloading[1]);
        Assert.True(long.Parse(reloading[1]["MONOTONIC_USEC=".Length..], CultureInfo.InvariantCulture) > 0);
        Assert.Equal("STATUS=Reloading: loading the app for generation 2", reloading[2]);
        Assert.Equal($"READY=1\nSTATUS=2 of 2 workers ready (generation 2)\nMAINPID={forkhost.Pid}", messages[2]);
        Assert.Equal("STOPPING=1\nSTATUS=Stopping (graceful): 2 workers", messages[3]);
    }

    [Fact]
    public async Task The_watchdog_is_fed_from_the_arbiter_loop_at_half_the_interval()
    {
        using var notify = new NotifyListener();
        await using var forkhost = ForkHostProcess.Start(["run", "--app", RepositoryPaths.HelloApp, "--workers", "1", "--bind", "127.0.0.1:0"],
            new Dictionary<string, string> { ["NOTIFY_SOCKET"] = notify.Path, ["WATCHDOG_USEC"] = "400000" });
        await forkhost.WaitForAllReadyAsync();
        int before = notify.Messages.Count(m => m == "WATCHDOG=1");
        await Task.Delay(1000);
        int fed = notify.Messages.Count(m => m == "WATCHDOG=1") - before;
        Assert.InRange(fed, 3, 8);
    }

    [Theory]
    [InlineData("shared", Tool)]
    [InlineData("dispatch", Tool)]
    [InlineData("shared", OwnExecutable)]
    public async Task Socket_activation_serves_on_the_socket_systemd_hands_in(string balance, string program)
    {
        (string executable, string[] arguments) = ServeHello(program, "--workers", "2", "--bind", "127.0.0.1:1", "--balance", balance);
        int port = LoopbackPorts.Free();
        var startInfo = new System.Diagnostics.ProcessStartInfo("systemd-socket-activate")
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        };
        foreach (string argument in (string[])["-l", $"127.0.0.1:{port}", "--fdname=web", executable, .. arguments])
            startInfo.ArgumentList.Add(argument);
        using var activator = System.Diagnostics.Process.Start(startInfo)!;
        Task<string> output = activator.StandardOutput.ReadToEndAsync();
        try
        {
            await Eventually.HoldsAsync(() => ProcessTable.ListeningInodes(port).Count == 1, TimeSpan.FromSeconds(10), "systemd-socket-activate listens");

            // The first connection makes systemd-socket-activate exec forkhost; it waits in the backlog meanwhile.
            using HttpClient client = Http.CreateClient();
            WhoAmI who = await Http.WhoAmIOnNewConnectionAsync(client, new Uri($"http://127.0.0.1:{port}/"));
            Assert.Equal(activator.Id, who.LoadedBy);

            // The supervisor serves on the inherited socket and bound nothing of its own (not even --bind's port 1).
            // With --balance dispatch the supervisor accepts on it and the workers do not hold it at all.
            long inherited = Assert.Single(ProcessTable.ListeningInodes(port));
            Assert.Contains(inherited, ProcessTable.SocketInodes(balance == "dispatch" ? activator.Id : who.Pid));
            if (balance == "dispatch")
                Assert.DoesNotContain(inherited, ProcessTable.SocketInodes(who.Pid));
            Assert.Empty(ProcessTable.ListeningInodes(1));
        }
        finally
        {
            _ = Interop.Libc.Kill(activator.Id, Interop.Libc.SIGTERM);
            await activator.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(20));
        }
        string log = await output;
        Assert.Contains("\"Source\":\"systemd socket activation\"", log);
        Assert.Contains("\"Address\":\"http://127.0.0.1:" + port.ToString(CultureInfo.InvariantCulture) + "\"", log);
        Assert.Equal(0, activator.ExitCode);
    }

}
