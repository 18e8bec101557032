using System.Globalization;
using System.Net.Sockets;
using System.Text;
using ForkHost.Logging;
using ForkHost.Tests.Infrastructure;

namespace ForkHost.Tests.Service;

/// <summary>--balance dispatch: the supervisor accepts, and deals the connections out to the ready workers in turn.</summary>
public sealed class DispatchTests
{
    [Fact]
    public async Task Keep_alive_connections_are_dealt_out_evenly_and_only_the_supervisor_holds_the_listening_socket()
    {
        await using var forkhost = ForkHostProcess.Run(RepositoryPaths.HelloApp, "--workers", "3", "--bind", "127.0.0.1:0", "--balance", "dispatch");
        Uri address = await forkhost.WaitForHttpAddressAsync();
        await forkhost.WaitForAllReadyAsync();

        long listening = Assert.Single(ProcessTable.ListeningInodes(address.Port));
        Assert.Contains(listening, ProcessTable.SocketInodes(forkhost.Pid));
        IReadOnlyList<int> workers = forkhost.WorkerPids();
        Assert.Equal(3, workers.Count);
        Assert.All(workers, pid => Assert.DoesNotContain(listening, ProcessTable.SocketInodes(pid)));

        // Nine connections opened one after the other and all kept open: three per worker, whatever the kernel does.
        var connections = new List<KeptAliveConnection>();
        try
        {
            for (int i = 0; i < 9; i++)
                connections.Add(await KeptAliveConnection.OpenAsync(address));
            var pidPerConnection = new List<int>();
            foreach (KeptAliveConnection connection in connections)
            {
                int first = await connection.GetPidAsync();
                // Every further request on the connection goes to the same worker: it is that worker's connection now.
                Assert.Equal(first, await connection.GetPidAsync());
                pidPerConnection.Add(first);
            }
            Assert.Equal(workers.Order(), pidPerConnection.Distinct().Order());
            Assert.All(pidPerConnection.CountBy(pid => pid), pair => Assert.Equal(3, pair.Value));
        }
        finally
        {
            foreach (KeptAliveConnection connection in connections)
                connection.Dispose();
        }
    }

    [Fact]
    public async Task Reloads_and_scaling_under_continuous_load_fail_no_request_and_a_stop_exits_cleanly()
    {
        await using var forkhost = ForkHostProcess.Run(RepositoryPaths.HelloApp, "--workers", "2", "--bind", "127.0.0.1:0", "--balance", "dispatch", "--graceful-timeout", "10");
        Uri address = await forkhost.WaitForHttpAddressAsync();
        await forkhost.WaitForAllReadyAsync();
        IReadOnlyList<int> firstGeneration = forkhost.WorkerPids();

        await using (var load = ContinuousLoad.Start(address, clients: 6))
        {
            for (int reload = 1; reload <= 2; reload++)
            {
                await Task.Delay(300);
                forkhost.Signal(1 /* SIGHUP */);
                await forkhost.WaitForEventAsync(EventIds.Reloaded, count: reload, timeout: TimeSpan.FromSeconds(30));
            }
            forkhost.Signal(21 /* SIGTTIN */);
            await Eventually.HoldsAsync(() => forkhost.WorkerPids().Count == 3, TimeSpan.FromSeconds(15), "a third worker started");
            await Task.Delay(500);
            forkhost.Signal(22 /* SIGTTOU */);
            await Eventually.HoldsAsync(() => forkhost.WorkerPids().Count == 2, TimeSpan.FromSeconds(15), "the third worker retired");
            await Task.Delay(300);
            await load.StopAsync();

            Assert.True(load.Answered > 50, $"only {load.Answered} requests answered");
            Assert.Empty(load.Failures);
        }

        Assert.Empty(forkhost.WorkerPids().Intersect(firstGeneration));
        forkhost.Signal(Interop.Libc.SIGTERM);
        Assert.Equal(0, await forkhost.WaitForExitAsync());
    }

    /// <summary>One raw HTTP/1.1 connection, kept open across requests, so the test knows which connection went where.</summary>
    private sealed class KeptAliveConnection : IDisposable
    {
        private readonly TcpClient _client;
        private readonly NetworkStream _stream;
        private readonly string _host;

        private KeptAliveConnection(TcpClient client, string host)
        {
            _client = client;
            _stream = client.GetStream();
            _host = host;
        }

        public static async Task<KeptAliveConnection> OpenAsync(Uri address)
        {
            var client = new TcpClient();
            await client.ConnectAsync(address.Host, address.Port);
            return new KeptAliveConnection(client, address.Authority);
        }

        public async Task<int> GetPidAsync()
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await _stream.WriteAsync(Encoding.ASCII.GetBytes($"GET / HTTP/1.1\r\nHost: {_host}\r\n\r\n"), timeout.Token);
            string head = await ReadUntilAsync("\r\n\r\n", timeout.Token);
            Assert.StartsWith("HTTP/1.1 200", head, StringComparison.Ordinal);
            Assert.DoesNotContain("Connection: close", head, StringComparison.OrdinalIgnoreCase);
            // The whole response must be consumed, or the next one would start with its rest.
            string body = head.Contains("Transfer-Encoding: chunked", StringComparison.OrdinalIgnoreCase)
                ? await ReadUntilAsync("\r\n0\r\n\r\n", timeout.Token)
                : await ReadExactlyAsync(int.Parse(head.Split("\r\n").Single(h => h.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase))[15..], CultureInfo.InvariantCulture), timeout.Token);
            int start = body.IndexOf("pid ", StringComparison.Ordinal) + 4;
            return int.Parse(body[start..body.IndexOf(')', start)], CultureInfo.InvariantCulture);
        }

        private readonly StringBuilder _pending = new();

        private async Task<string> ReadUntilAsync(string end, CancellationToken cancellationToken)
        {
            var buffer = new byte[4096];
            while (_pending.ToString().IndexOf(end, StringComparison.Ordinal) is var at && at < 0)
            {
                int read = await _stream.ReadAsync(buffer, cancellationToken);
                Assert.True(read > 0, $"the connection closed after: {_pending}");
                _pending.Append(Encoding.ASCII.GetString(buffer, 0, read));
            }
            string text = _pending.ToString();
            int stop = text.IndexOf(end, StringComparison.Ordinal) + end.Length;
            _pending.Remove(0, stop);
            return text[..stop];
        }

        private async Task<string> ReadExactlyAsync(int length, CancellationToken cancellationToken)
        {
            var buffer = new byte[4096];
            while (_pending.Length < length)
            {
                int read = await _stream.ReadAsync(buffer, cancellationToken);
                Assert.True(read > 0, $"the connection closed after: {_pending}");
                _pending.Append(Encoding.ASCII.GetString(buffer, 0, read));
            }
            string text = _pending.ToString(0, length);
            _pending.Remove(0, length);
            return text;
        }

        public void Dispose() => _client.Dispose();
    }
}
