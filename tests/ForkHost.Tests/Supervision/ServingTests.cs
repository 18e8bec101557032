using System.Diagnostics;
using System.Net;
using ForkHost.Logging;
using ForkHost.Tests.Infrastructure;

namespace ForkHost.Tests.Supervision;

/// <summary>The supervisor and its workers, as a user runs them: real processes, sockets and signals.</summary>
public sealed class ServingTests
{
    [Fact]
    public async Task Four_workers_answer_through_the_supervisors_single_listening_socket()
    {
        await using var forkhost = ForkHostProcess.Run(RepositoryPaths.HelloApp, "--workers", "4", "--bind", "127.0.0.1:0");
        Uri address = await forkhost.WaitForHttpAddressAsync();
        await forkhost.WaitForAllReadyAsync();

        using HttpClient client = Http.CreateClient();
        var answeredBy = new HashSet<int>();
        for (int i = 0; i < 2000 && answeredBy.Count < 4; i++)
        {
            WhoAmI who = await Http.WhoAmIOnNewConnectionAsync(client, address);
            answeredBy.Add(who.Pid);
            Assert.Equal(forkhost.Pid, who.LoadedBy);
        }

        IReadOnlyList<int> workers = forkhost.WorkerPids();
        Assert.Equal(4, workers.Count);
        Assert.Equal(workers.Order(), answeredBy.Order());

        // One LISTEN socket on the port, machine-wide, and every worker holds that very socket.
        long listening = Assert.Single(ProcessTable.ListeningInodes(address.Port));
        Assert.Contains(listening, ProcessTable.SocketInodes(forkhost.Pid));
        Assert.All(workers, pid => Assert.Contains(listening, ProcessTable.SocketInodes(pid)));
    }

    [Fact]
    public async Task A_killed_worker_is_replaced_within_a_second_and_the_service_keeps_answering()
    {
        await using var forkhost = ForkHostProcess.Run(RepositoryPaths.HelloApp, "--workers", "2", "--bind", "127.0.0.1:0");
        Uri address = await forkhost.WaitForHttpAddressAsync();
        await forkhost.WaitForAllReadyAsync();
        int victim = forkhost.WorkerPids()[0];

        using HttpClient client = Http.CreateClient();
        using var stopLoad = new CancellationTokenSource();
        var failures = new List<string>();
        var answeredAt = new List<DateTimeOffset>();
        Task load = Task.Run(async () =>
        {
            while (!stopLoad.IsCancellationRequested)
            {
                try
                {
                    await Http.WhoAmIOnNewConnectionAsync(client, address);
                    answeredAt.Add(DateTimeOffset.UtcNow);
                }
                catch (HttpRequestException e)
                {
                    failures.Add(e.Message);
                }
            }
        });

        await Task.Delay(200);
        var killedAt = DateTimeOffset.UtcNow;
        Assert.Equal(0, Interop.Libc.Kill(victim, Interop.Libc.SIGKILL));

        SupervisorLogEvent spawned = await forkhost.WaitForEventAsync(EventIds.WorkerSpawned, count: 3);
        Assert.True(spawned.Timestamp - killedAt < TimeSpan.FromSeconds(1), $"replacement spawned {(spawned.Timestamp - killedAt).TotalMilliseconds} ms after the kill");
        SupervisorLogEvent replacementReady = await forkhost.WaitForEventAsync(EventIds.WorkerReady, count: 3);
        await Task.Delay(300);
        stopLoad.Cancel();
        await load;

        Assert.DoesNotContain(victim, forkhost.WorkerPids());
        Assert.Equal(2, forkhost.WorkerPids().Count);
        // The surviving worker answered while the slot was empty.
        Assert.Contains(answeredAt, t => t > killedAt && t < replacementReady.Timestamp);
        // A connection the dead worker had accepted dies with it; nothing queued in the shared backlog is lost.
        Assert.True(failures.Count <= 1, string.Join("\n", failures));
    }

    [Fact]
    public async Task Sigterm_lets_an_in_flight_request_finish_then_exits_0_leaving_no_worker()
    {
        await using var forkhost = ForkHostProcess.Run(RepositoryPaths.HelloApp, "--workers", "2", "--bind", "127.0.0.1:0");
        Uri address = await forkhost.WaitForHttpAddressAsync();
        await forkhost.WaitForAllReadyAsync();
        IReadOnlyList<int> workers = forkhost.WorkerPids();

        using HttpClient client = Http.CreateClient();
        Task<HttpResponseMessage> slow = client.GetAsync(new Uri(address, "/slow?ms=2000"));
        await Eventually.HoldsAsync(() => slow.IsCompleted || Requests.InFlightSeenBy(forkhost), TimeSpan.FromSeconds(5), "the slow request reached a worker");
        forkhost.Signal(Interop.Libc.SIGTERM);

        using HttpResponseMessage response = await slow;
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith("slept 2000 ms", await response.Content.ReadAsStringAsync());
        Assert.Equal(0, await forkhost.WaitForExitAsync());
        Assert.All(workers, pid => Assert.False(ProcessTable.IsAlive(pid), $"worker {pid} is still alive"));
    }

    [Fact]
    public async Task Sigkill_of_the_supervisor_takes_every_worker_down_within_two_seconds()
    {
        await using var forkhost = ForkHostProcess.Run(RepositoryPaths.HelloApp, "--workers", "3", "--bind", "127.0.0.1:0");
        await forkhost.WaitForAllReadyAsync();
        IReadOnlyList<int> workers = forkhost.WorkerPids();
        Assert.Equal(3, workers.Count);

        forkhost.Signal(Interop.Libc.SIGKILL);
        TimeSpan took = await Eventually.HoldsAsync(() => !workers.Any(ProcessTable.IsAlive), TimeSpan.FromSeconds(2), "every worker exited");
        Assert.True(took < TimeSpan.FromSeconds(2));
    }

    [Fact]
    public async Task A_worker_that_stops_heartbeating_is_killed_after_the_timeout_and_replaced()
    {
        await using var forkhost = ForkHostProcess.Run(RepositoryPaths.HelloApp, "--workers", "2", "--bind", "127.0.0.1:0", "--timeout", "1.5");
        await forkhost.WaitForAllReadyAsync();
        int frozen = forkhost.WorkerPids()[0];

        var watch = Stopwatch.StartNew();
        Assert.Equal(0, Interop.Libc.Kill(frozen, 19 /* SIGSTOP */));

        SupervisorLogEvent hung = await forkhost.WaitForEventAsync(EventIds.WorkerHung, e => e.Int("WorkerPid") == frozen, timeout: TimeSpan.FromSeconds(10));
        // Silence is counted from the last heartbeat, which came up to one interval (timeout / 4) before the SIGSTOP.
        Assert.True(watch.Elapsed >= TimeSpan.FromSeconds(1.5 - (1.5 / 4) - 0.05), $"declared hung after only {watch.Elapsed.TotalSeconds} s");
        await Eventually.HoldsAsync(() => !ProcessTable.IsAlive(frozen), TimeSpan.FromSeconds(10), "the frozen worker is gone", forkhost.Diagnostics);
        await forkhost.WaitForEventAsync(EventIds.WorkerReady, count: 3);
        Assert.Equal(2, forkhost.WorkerPids().Count);
        Assert.Equal(hung.Int("WorkerId"), forkhost.EventsWithId(EventIds.WorkerSpawned).Last().Int("WorkerId"));
    }

    [Theory]
    [InlineData("shared")]
    [InlineData("dispatch")]
    public async Task Serves_on_a_unix_socket_replacing_a_stale_socket_file_and_removing_it_on_exit(string balance)
    {
        string path = Path.Combine(Path.GetTempPath(), $"forkhost-test-{Guid.NewGuid():N}.sock");
        LeaveStaleSocketFile(path);
        Assert.True(Path.Exists(path));

        // A TCP listener first, so that in dispatch mode the unix socket's connections carry listener index 1.
        await using var forkhost = ForkHostProcess.Run(RepositoryPaths.HelloApp, "--workers", "2", "--bind", "127.0.0.1:0", "--bind", $"unix:{path}",
            "--unix-socket-mode", "600", "--balance", balance);
        await forkhost.WaitForAllReadyAsync();
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));

        using var client = new HttpClient(new SocketsHttpHandler
        {
            ConnectCallback = async (_, token) =>
            {
                var socket = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.Unix, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Unspecified);
                await socket.ConnectAsync(new System.Net.Sockets.UnixDomainSocketEndPoint(path), token);
                return new System.Net.Sockets.NetworkStream(socket, ownsSocket: true);
            },
        });
        string body = await client.GetStringAsync("http://forkhost/");
        Assert.StartsWith("Hello from worker", body);
        using HttpClient tcp = Http.CreateClient();
        Assert.StartsWith("Hello from worker", await tcp.GetStringAsync(await forkhost.WaitForHttpAddressAsync()));

        forkhost.Signal(Interop.Libc.SIGTERM);
        Assert.Equal(0, await forkhost.WaitForExitAsync());
        Assert.False(Path.Exists(path));
    }

    /// <summary>What a killed server leaves: the socket file, with nobody listening. (Disposing a .NET socket would delete it.)</summary>
    internal static void LeaveStaleSocketFile(string path)
    {
        var stale = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.Unix, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Unspecified);
        stale.Bind(new System.Net.Sockets.UnixDomainSocketEndPoint(path));
        int fd = (int)stale.SafeHandle.DangerousGetHandle();
        stale.SafeHandle.SetHandleAsInvalid();
        GC.SuppressFinalize(stale);
        Assert.Equal(0, Interop.Libc.Close(fd));
    }
}
