using ForkHost.Logging;
using ForkHost.Tests.Infrastructure;

namespace ForkHost.Tests.Service;

/// <summary>--balance reuseport: one SO_REUSEPORT socket per worker slot, all held by the supervisor.</summary>
public sealed class BalanceTests
{
    [Fact]
    public async Task Each_slot_has_its_own_socket_the_supervisor_holds_and_it_outlives_the_slots_worker()
    {
        await using var forkhost = ForkHostProcess.Run(RepositoryPaths.HelloApp, "--workers", "3", "--bind", "127.0.0.1:0", "--balance", "reuseport");
        Uri address = await forkhost.WaitForHttpAddressAsync();
        await forkhost.WaitForAllReadyAsync();

        IReadOnlyList<long> sockets = ProcessTable.ListeningInodes(address.Port);
        Assert.Equal(3, sockets.Count);
        Assert.All(sockets, inode => Assert.Contains(inode, ProcessTable.SocketInodes(forkhost.Pid)));
        var socketOf = forkhost.WorkerPids().ToDictionary(pid => pid, pid => Assert.Single(sockets, ProcessTable.SocketInodes(pid).Contains));
        Assert.Equal(3, socketOf.Values.Distinct().Count());

        // Every worker takes keep-alive connections: the kernel spreads them over the slots' sockets.
        using var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 48 });
        var answered = new System.Collections.Concurrent.ConcurrentDictionary<int, int>();
        await Task.WhenAll(Enumerable.Range(0, 48).Select(async _ =>
        {
            for (int i = 0; i < 20; i++)
            {
                string body = await client.GetStringAsync(address);
                int pid = int.Parse(body[(body.IndexOf("pid ", StringComparison.Ordinal) + 4)..body.IndexOf(')')], System.Globalization.CultureInfo.InvariantCulture);
                answered.AddOrUpdate(pid, 1, (_, n) => n + 1);
            }
        }));
        Assert.Equal(socketOf.Keys.Order(), answered.Keys.Order());

        // The socket stays open while its worker is replaced; the replacement serves on the very same socket.
        int victim = socketOf.Keys.First();
        Assert.Equal(0, Interop.Libc.Kill(victim, Interop.Libc.SIGKILL));
        await Eventually.HoldsAsync(() => !ProcessTable.IsAlive(victim), TimeSpan.FromSeconds(5), "the worker died");
        Assert.Equal(sockets.Order(), ProcessTable.ListeningInodes(address.Port).Order());
        await forkhost.WaitForEventAsync(EventIds.WorkerReady, count: 4);
        int replacement = Assert.Single(forkhost.WorkerPids(), pid => !socketOf.ContainsKey(pid));
        Assert.Contains(socketOf[victim], ProcessTable.SocketInodes(replacement));
    }
}
