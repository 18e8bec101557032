using System.Net.Sockets;
using System.Text.Json;
using ForkHost.Logging;
using ForkHost.Tests.Infrastructure;
using ForkHost.Tests.Supervision;

namespace ForkHost.Tests.Status;

/// <summary>
/// <c>forkhost status</c> as a user runs it: a real supervisor, a real status process, the control socket in between,
/// and /proc as the ground truth for which workers exist.
/// </summary>
public sealed class StatusCommandTests : IDisposable
{
    private static readonly TimeSpan StatusWait = TimeSpan.FromSeconds(15);

    /// <summary>Disposal SIGKILLs a supervisor that is still running, which leaves its socket file, as it would for real.</summary>
    private readonly List<string> _paths = [];

    public void Dispose()
    {
        foreach (string path in _paths)
            File.Delete(path);
    }

    [Fact]
    public async Task Status_json_lists_the_supervisors_children_ready_in_generation_1_and_counts_requests()
    {
        string socket = NewSocketPath();
        await using var forkhost = ForkHostProcess.Run(RepositoryPaths.HelloApp, "--workers", "3", "--bind", "127.0.0.1:0", "--control-socket", socket);
        Uri address = await forkhost.WaitForHttpAddressAsync();
        await forkhost.WaitForAllReadyAsync();

        Assert.Equal(socket, (await forkhost.WaitForEventAsync(EventIds.ControlSocketListening)).String("ControlSocket"));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(socket));

        // RSS and the counters arrive with the first heartbeat, at most a second after ready.
        JsonElement status = await StatusUntilAsync(socket, s => Workers(s).All(w => w.GetProperty("residentBytes").ValueKind == JsonValueKind.Number), "every worker has heartbeated");
        Assert.Equal(forkhost.Pid, status.GetProperty("pid").GetInt32());
        Assert.Equal(1, status.GetProperty("generation").GetInt32());
        Assert.Equal(3, status.GetProperty("wantedWorkers").GetInt32());
        Assert.Equal(3, status.GetProperty("liveWorkers").GetInt32());
        Assert.Equal(3, status.GetProperty("readyWorkers").GetInt32());
        Assert.Equal(JsonValueKind.Null, status.GetProperty("stopping").ValueKind);
        Assert.Equal([address.GetLeftPart(UriPartial.Authority)], status.GetProperty("addresses").EnumerateArray().Select(a => a.GetString()));
        Assert.True(status.GetProperty("uptimeMs").GetInt64() > 0);

        var workers = Workers(status);
        Assert.Equal(forkhost.WorkerPids().Order(), workers.Select(w => w.GetProperty("pid").GetInt32()).Order());
        Assert.Equal([1, 2, 3], workers.Select(w => w.GetProperty("slot").GetInt32()).Order());
        Assert.All(workers, w =>
        {
            Assert.Equal("ready", w.GetProperty("state").GetString());
            Assert.Equal(1, w.GetProperty("generation").GetInt32());
            Assert.True(w.GetProperty("residentBytes").GetInt64() > 0);
            Assert.True(w.GetProperty("uptimeMs").GetInt64() >= w.GetProperty("bootMs").GetInt64());
            Assert.InRange(w.GetProperty("lastHeartbeatAgeMs").GetInt64(), 0, 5_000);
            Assert.Equal(0, w.GetProperty("requestsInFlight").GetInt32());
        });
        long servedBefore = workers.Sum(w => w.GetProperty("requestsServed").GetInt64());

        using HttpClient client = Http.CreateClient();
        for (int i = 0; i < 30; i++)
            await Http.WhoAmIOnNewConnectionAsync(client, address);

        JsonElement after = await StatusUntilAsync(socket, s => Workers(s).Sum(w => w.GetProperty("requestsServed").GetInt64()) >= servedBefore + 30,
            "the 30 requests show in the workers' heartbeats");
        Assert.Equal(forkhost.WorkerPids().Order(), Workers(after).Select(w => w.GetProperty("pid").GetInt32()).Order());
    }

    [Fact]
    public async Task Status_table_shows_the_header_and_a_row_for_every_worker_pid()
    {
        string socket = NewSocketPath();
        await using var forkhost = ForkHostProcess.Run(RepositoryPaths.HelloApp, "--workers", "3", "--bind", "127.0.0.1:0", "--control-socket", socket);
        Uri address = await forkhost.WaitForHttpAddressAsync();
        await forkhost.WaitForAllReadyAsync();

        (int exitCode, string table, string errors) = await StatusAsync("--control-socket", socket);

        Assert.True(exitCode == 0, errors);
        Assert.Contains($"supervisor pid {forkhost.Pid}", table);
        Assert.Contains("workers: 3 wanted, 3 live, 3 ready", table);
        Assert.Contains(address.GetLeftPart(UriPartial.Authority), table);
        string[] lines = table.Split('\n');
        string heading = Assert.Single(lines, l => l.StartsWith("SLOT", StringComparison.Ordinal));
        Assert.All(["PID", "GEN", "STATE", "UPTIME", "REQUESTS", "IN FLIGHT", "RSS", "FDS", "HEARTBEAT"], column => Assert.Contains(column, heading));
        Assert.All(forkhost.WorkerPids(), pid => Assert.Single(lines, l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries) is [_, var p, "1", "ready", ..] && p == pid.ToString(System.Globalization.CultureInfo.InvariantCulture)));
    }

    [Fact]
    public async Task After_ttin_status_shows_four_ready_workers_matching_the_kernels_children()
    {
        string socket = NewSocketPath();
        await using var forkhost = ForkHostProcess.Run(RepositoryPaths.HelloApp, "--workers", "3", "--bind", "127.0.0.1:0", "--control-socket", socket);
        await forkhost.WaitForAllReadyAsync();

        forkhost.Signal(21 /* SIGTTIN */);

        JsonElement status = await StatusUntilAsync(socket, s => s.GetProperty("readyWorkers").GetInt32() == 4 && s.GetProperty("liveWorkers").GetInt32() == 4,
            "four ready workers", TimeSpan.FromSeconds(20));
        Assert.Equal(4, status.GetProperty("wantedWorkers").GetInt32());
        Assert.Equal([1, 2, 3, 4], Workers(status).Select(w => w.GetProperty("slot").GetInt32()).Order());
        Assert.Equal(forkhost.WorkerPids().Order(), Workers(status).Select(w => w.GetProperty("pid").GetInt32()).Order());
    }

    [Fact]
    public async Task Status_exits_2_with_a_clear_message_when_nothing_listens()
    {
        string missing = NewSocketPath();
        (int exitCode, _, string errors) = await StatusAsync("--control-socket", missing);
        Assert.Equal(2, exitCode);
        Assert.Equal($"forkhost: no supervisor is listening on {missing}; is it running? pass --control-socket", errors.Trim());

        // What a killed supervisor leaves behind: the file, with no one listening.
        string stale = NewSocketPath();
        ServingTests.LeaveStaleSocketFile(stale);
        (exitCode, _, errors) = await StatusAsync("--json", "--control-socket", stale);
        Assert.Equal(2, exitCode);
        Assert.Contains($"no supervisor is listening on {stale}", errors);
    }

    [Fact]
    public async Task Garbage_silence_and_oversized_requests_get_errors_while_the_supervisor_keeps_serving()
    {
        string socket = NewSocketPath();
        await using var forkhost = ForkHostProcess.Run(RepositoryPaths.HelloApp, "--workers", "1", "--bind", "127.0.0.1:0", "--control-socket", socket);
        Uri address = await forkhost.WaitForHttpAddressAsync();
        await forkhost.WaitForAllReadyAsync();

        // A client that connects and says nothing must not hold up anyone else.
        using Socket silent = await ConnectAsync(socket);

        JsonElement garbage = await ExchangeAsync(socket, "hello, supervisor\n"u8.ToArray());
        Assert.False(garbage.GetProperty("ok").GetBoolean());
        Assert.Contains("malformed request", garbage.GetProperty("error").GetString());
        Assert.Equal(1, garbage.GetProperty("version").GetInt32());

        JsonElement wrongVersion = await ExchangeAsync(socket, """{"version":99,"command":"status"}"""u8.ToArray().Append((byte)'\n').ToArray());
        Assert.Contains("unsupported protocol version 99", wrongVersion.GetProperty("error").GetString());

        JsonElement unknownCommand = await ExchangeAsync(socket, """{"version":1,"command":"shutdown"}"""u8.ToArray().Append((byte)'\n').ToArray());
        Assert.Contains("unknown command 'shutdown'", unknownCommand.GetProperty("error").GetString());

        JsonElement oversized = await ExchangeAsync(socket, Enumerable.Repeat((byte)'{', 64 * 1024).ToArray());
        Assert.Contains("longer than 4096 bytes", oversized.GetProperty("error").GetString());

        JsonElement status = await StatusJsonAsync(socket);
        Assert.Equal(1, status.GetProperty("readyWorkers").GetInt32());
        await forkhost.WaitForEventAsync(EventIds.ControlRequestRejected, e => e.String("Reason")!.Contains("longer than", StringComparison.Ordinal));

        // The silent client is cut off after the read timeout, with an error rather than a hang.
        byte[]? line = await ReadLineAsync(silent, TimeSpan.FromSeconds(10));
        Assert.NotNull(line);
        Assert.Contains("no request line", JsonDocument.Parse(line).RootElement.GetProperty("error").GetString());

        using HttpClient client = Http.CreateClient();
        await Http.WhoAmIOnNewConnectionAsync(client, address);
        Assert.Single(forkhost.WorkerPids());
    }

    [Fact]
    public async Task A_relative_control_socket_is_a_usage_error()
    {
        await using var forkhost = ForkHostProcess.Run(RepositoryPaths.HelloApp, "--bind", "127.0.0.1:0", "--control-socket", "control.sock");
        Assert.Equal(2, await forkhost.WaitForExitAsync());
        Assert.Equal("forkhost: --control-socket must be an absolute file path, as in /run/forkhost/control.sock (got 'control.sock').", forkhost.Stderr.Trim());
        Assert.Empty(forkhost.EventsWithId(EventIds.WorkerSpawned));
    }

    [Fact]
    public async Task A_second_supervisor_on_a_live_control_socket_exits_2_and_leaves_the_first_alone()
    {
        string socket = NewSocketPath();
        await using var first = ForkHostProcess.Run(RepositoryPaths.HelloApp, "--workers", "1", "--bind", "127.0.0.1:0", "--control-socket", socket);
        await first.WaitForAllReadyAsync();

        await using var second = ForkHostProcess.Run(RepositoryPaths.HelloApp, "--workers", "1", "--bind", "127.0.0.1:0", "--control-socket", socket);
        Assert.Equal(2, await second.WaitForExitAsync());
        Assert.Contains($"--control-socket: another server is listening on {socket}", second.Stderr);
        Assert.Empty(second.EventsWithId(EventIds.WorkerSpawned));

        Assert.Equal(first.Pid, (await StatusJsonAsync(socket)).GetProperty("pid").GetInt32());
    }

    [Fact]
    public async Task With_a_pid_file_the_socket_is_derived_from_it_replaces_a_stale_one_and_is_removed_on_exit()
    {
        string pidFile = Track(Path.Combine(Path.GetTempPath(), $"forkhost-status-{Guid.NewGuid():N}.pid"));
        string socket = Track(Path.ChangeExtension(pidFile, ".sock"));
        ServingTests.LeaveStaleSocketFile(socket);

        await using var forkhost = ForkHostProcess.Run(RepositoryPaths.HelloApp, "--workers", "2", "--bind", "127.0.0.1:0", "--pid-file", pidFile);
        await forkhost.WaitForAllReadyAsync();
        Assert.Equal(socket, (await forkhost.WaitForEventAsync(EventIds.ControlSocketListening)).String("ControlSocket"));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(socket));

        (int exitCode, string stdout, string errors) = await StatusAsync("--json", "--pid-file", pidFile);
        Assert.True(exitCode == 0, errors);
        Assert.Equal(forkhost.Pid, JsonDocument.Parse(stdout).RootElement.GetProperty("status").GetProperty("pid").GetInt32());

        forkhost.Signal(Interop.Libc.SIGTERM);
        Assert.Equal(0, await forkhost.WaitForExitAsync());
        Assert.False(Path.Exists(socket));
        Assert.False(Path.Exists(pidFile));
    }

    /// <summary>
    /// Another user is stopped by the file mode; if the mode is widened by mistake (or an ACL), SO_PEERCRED still
    /// refuses. Needs root to run the client as nobody; elsewhere there is no second user to try, and it passes vacuously.
    /// </summary>
    [Fact]
    public async Task Another_user_is_refused_by_the_file_mode_and_again_by_peer_credentials()
    {
        if (Interop.Libc.GetEffectiveUserId() != 0 || !File.Exists("/usr/bin/setpriv"))
            return;
        string socket = NewSocketPath();
        await using var forkhost = ForkHostProcess.Run(RepositoryPaths.HelloApp, "--workers", "1", "--bind", "127.0.0.1:0", "--control-socket", socket);
        await forkhost.WaitForAllReadyAsync();
        string copy = WorldReadable.Copy(RepositoryPaths.SupervisorDirectory, "status");
        using var removeCopy = new DirectoryRemoval(copy);
        string[] asNobody = ["--reuid=65534", "--regid=65534", "--clear-groups", Path.Combine(copy, "forkhost"), "status", "--control-socket", socket];

        (int exitCode, string stdout, string errors) = await RunAsync("/usr/bin/setpriv", asNobody);
        Assert.Equal(2, exitCode);
        Assert.Contains($"permission denied on {socket}", errors);
        Assert.Empty(stdout);

        File.SetUnixFileMode(socket, (UnixFileMode)0b110_110_110);
        (exitCode, stdout, errors) = await RunAsync("/usr/bin/setpriv", asNobody);
        Assert.Equal(1, exitCode);
        Assert.Contains("permission denied: uid 65534 is neither the supervisor's (0) nor root", errors);
        Assert.Empty(stdout);
        SupervisorLogEvent refused = await forkhost.WaitForEventAsync(EventIds.ControlPeerRefused);
        Assert.Equal("65534", refused.String("PeerUid"));

        Assert.Equal(forkhost.Pid, (await StatusJsonAsync(socket)).GetProperty("pid").GetInt32());
    }

    private static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(string program, string[] args)
    {
        var start = new System.Diagnostics.ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string arg in args)
            start.ArgumentList.Add(arg);
        start.Environment["HOME"] = Path.GetTempPath();
        using var process = System.Diagnostics.Process.Start(start)!;
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        using var cancellation = new CancellationTokenSource(StatusWait);
        try
        {
            await process.WaitForExitAsync(cancellation.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill();
            throw new TimeoutException($"{program} did not exit within {StatusWait.TotalSeconds} s");
        }
        return (process.ExitCode, await stdout, await stderr);
    }

    private string NewSocketPath() => Track(Path.Combine(Path.GetTempPath(), $"forkhost-status-{Guid.NewGuid():N}.sock"));

    private string Track(string path)
    {
        _paths.Add(path);
        return path;
    }

    private static List<JsonElement> Workers(JsonElement status) => status.GetProperty("workers").EnumerateArray().ToList();

    /// <summary>Runs <c>forkhost status ARGS</c> as a real process.</summary>
    private static async Task<(int ExitCode, string Stdout, string Stderr)> StatusAsync(params string[] args)
    {
        await using var status = ForkHostProcess.Start(["status", .. args]);
        int exitCode = await status.WaitForExitAsync(StatusWait);
        return (exitCode, status.Stdout, status.Stderr);
    }

    private static async Task<JsonElement> StatusJsonAsync(string socket)
    {
        (int exitCode, string stdout, string errors) = await StatusAsync("--json", "--control-socket", socket);
        Assert.True(exitCode == 0, $"forkhost status exited {exitCode}: {errors}");
        JsonElement response = JsonDocument.Parse(stdout).RootElement;
        Assert.Equal(1, response.GetProperty("version").GetInt32());
        Assert.True(response.GetProperty("ok").GetBoolean());
        return response.GetProperty("status").Clone();
    }

    private static async Task<JsonElement> StatusUntilAsync(string socket, Func<JsonElement, bool> condition, string what, TimeSpan? timeout = null)
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            JsonElement status = await StatusJsonAsync(socket);
            if (condition(status))
                return status;
            if (watch.Elapsed > (timeout ?? StatusWait))
                Assert.Fail($"Not true within {(timeout ?? StatusWait).TotalSeconds} s: {what}\nlast status: {status}");
            await Task.Delay(200);
        }
    }

    private static async Task<Socket> ConnectAsync(string path)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await socket.ConnectAsync(new UnixDomainSocketEndPoint(path)).WaitAsync(TimeSpan.FromSeconds(5));
        return socket;
    }

    /// <summary>Sends raw bytes on a fresh connection and returns the one JSON line the supervisor answers.</summary>
    private static async Task<JsonElement> ExchangeAsync(string path, byte[] request)
    {
        using Socket socket = await ConnectAsync(path);
        await socket.SendAsync(request).WaitAsync(TimeSpan.FromSeconds(5));
        byte[]? line = await ReadLineAsync(socket, TimeSpan.FromSeconds(10));
        Assert.True(line is not null, "the supervisor closed the connection without answering");
        return JsonDocument.Parse(line).RootElement.Clone();
    }

    private static async Task<byte[]?> ReadLineAsync(Socket socket, TimeSpan timeout)
    {
        using var cancellation = new CancellationTokenSource(timeout);
        var received = new List<byte>();
        var buffer = new byte[4096];
        while (true)
        {
            int count = await socket.ReceiveAsync(buffer, SocketFlags.None, cancellation.Token);
            if (count == 0)
                return received.Count == 0 ? null : received.ToArray();
            received.AddRange(buffer.AsSpan(0, count));
            int newline = received.IndexOf((byte)'\n');
            if (newline >= 0)
                return received.GetRange(0, newline).ToArray();
        }
    }

    private sealed class DirectoryRemoval(string path) : IDisposable
    {
        public void Dispose() => Directory.Delete(path, recursive: true);
    }
}
