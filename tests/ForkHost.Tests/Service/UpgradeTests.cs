using System.Globalization;
using ForkHost.Logging;
using ForkHost.Tests.Infrastructure;

namespace ForkHost.Tests.Service;

/// <summary>SIGUSR2: a new supervisor inherits the listening sockets and takes over; the old one drains. Nothing is lost.</summary>
public sealed class UpgradeTests
{
    [Fact]
    public async Task Usr2_hands_the_listening_sockets_to_a_new_supervisor_under_load_without_a_failed_request()
    {
        string directory = Directory.CreateTempSubdirectory("forkhost-upgrade-").FullName;
        string pidFile = Path.Combine(directory, "forkhost.pid");
        string unixSocket = Path.Combine(directory, "http.sock");
        await using var forkhost = ForkHostProcess.Run(RepositoryPaths.HelloApp, "--workers", "2", "--bind", "127.0.0.1:0",
            "--bind", $"unix:{unixSocket}", "--pid-file", pidFile);
        int successor = 0;
        try
        {
            Uri address = await forkhost.WaitForHttpAddressAsync();
            await forkhost.WaitForAllReadyAsync();
            long listening = Assert.Single(ProcessTable.ListeningInodes(address.Port));

            await using var load = ContinuousLoad.Start(address, clients: 4);

            await Task.Delay(300);
            forkhost.Signal(12 /* SIGUSR2 */);
            SupervisorLogEvent upgrading = await forkhost.WaitForEventAsync(EventIds.Upgrading);
            successor = upgrading.Int("SuccessorPid");
            await forkhost.WaitForEventAsync(EventIds.TakingOver, timeout: TimeSpan.FromSeconds(30));
            await Eventually.HoldsAsync(() => !ProcessTable.IsAlive(forkhost.Pid), TimeSpan.FromSeconds(30), "the old supervisor exited", forkhost.Diagnostics);
            await Task.Delay(300);
            await load.StopAsync();

            Assert.True(load.Failures.Count == 0, $"{load.Failures.Count} failed requests: {string.Join("; ", load.Failures.Distinct().Take(5))}");
            Assert.True(load.Answered > 50, $"only {load.Answered} requests answered");
            // The very same listening socket, now served by the new supervisor's workers; the shared files are its own.
            Assert.Equal([listening], ProcessTable.ListeningInodes(address.Port));
            Assert.Contains(listening, ProcessTable.SocketInodes(successor));
            Assert.Equal(successor.ToString(CultureInfo.InvariantCulture), File.ReadAllText(pidFile).Trim());
            Assert.True(Path.Exists(unixSocket), "the unix socket file was removed by the old supervisor");
            Assert.All(ProcessTable.ChildrenOf(successor), worker => Assert.Contains(listening, ProcessTable.SocketInodes(worker)));
            Assert.Equal(2, ProcessTable.ChildrenOf(successor).Count);
        }
        finally
        {
            if (successor != 0 && ProcessTable.IsAlive(successor))
            {
                _ = Interop.Libc.Kill(successor, Interop.Libc.SIGTERM);
                await Eventually.HoldsAsync(() => !ProcessTable.IsAlive(successor), TimeSpan.FromSeconds(20), "the new supervisor stopped");
            }
            Directory.Delete(directory, recursive: true);
        }
    }
}
