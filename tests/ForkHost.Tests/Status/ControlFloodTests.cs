using System.Net.Sockets;
using System.Text.Json;
using ForkHost.Logging;
using ForkHost.Tests.Infrastructure;

namespace ForkHost.Tests.Status;

/// <summary>A flood of idle control connections neither locks out <c>forkhost status</c> nor floods the log.</summary>
public sealed class ControlFloodTests
{
    [Fact]
    public async Task Status_answers_during_a_flood_of_idle_connections_and_the_log_gets_a_few_lines()
    {
        await using var forkhost = ForkHostProcess.Run(RepositoryPaths.HelloApp, "--workers", "1", "--bind", "127.0.0.1:0");
        await forkhost.WaitForAllReadyAsync();
        string path = (await forkhost.WaitForEventAsync(EventIds.ControlSocketListening)).String("ControlSocket")!;

        using var stop = new CancellationTokenSource();
        int opened = 0;
        // Two flooders, each holding its latest 50 connections open and sending nothing.
        Task[] flood = Enumerable.Range(0, 2).Select(_ => Task.Run(async () =>
        {
            var held = new Queue<Socket>();
            try
            {
                while (!stop.IsCancellationRequested)
                {
                    var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                    try
                    {
                        await socket.ConnectAsync(new UnixDomainSocketEndPoint(path));
                        held.Enqueue(socket);
                        Interlocked.Increment(ref opened);
                    }
                    catch (SocketException)
                    {
                        socket.Dispose();
                        await Task.Delay(1);
                    }
                    while (held.Count > 50)
                        held.Dequeue().Dispose();
                }
            }
            finally
            {
                foreach (Socket socket in held)
                    socket.Dispose();
            }
        })).ToArray();

        try
        {
            await Eventually.HoldsAsync(() => Volatile.Read(ref opened) > 200, TimeSpan.FromSeconds(10), "the flood is under way");
            for (int i = 0; i < 3; i++)
            {
                await using var status = ForkHostProcess.Start(["status", "--json", "--control-socket", path]);
                int exitCode = await status.WaitForExitAsync(TimeSpan.FromSeconds(15));
                Assert.True(exitCode == 0, $"forkhost status exited {exitCode} during the flood: {status.Stderr}");
                Assert.Equal(forkhost.Pid, JsonDocument.Parse(status.Stdout).RootElement.GetProperty("status").GetProperty("pid").GetInt32());
            }
        }
        finally
        {
            await stop.CancelAsync();
            await Task.WhenAll(flood);
        }

        Assert.True(Volatile.Read(ref opened) > 200, $"only {opened} connections were opened");
        // One line when the limit is first hit, then at most one per interval (10 s) while it lasts.
        int lines = forkhost.EventsWithId(EventIds.ControlOverCapacity).Count;
        Assert.InRange(lines, 1, 4);
    }
}
