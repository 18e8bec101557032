using System.Net.Sockets;
using System.Text;
using ForkHost.Supervisor.Control;

namespace ForkHost.Tests.Status;

/// <summary>The control protocol's parsing, limits and peer check, without a supervisor.</summary>
public sealed class ControlProtocolTests
{
    [Fact]
    public void Only_a_version_1_status_request_is_accepted()
    {
        Assert.Equal(ControlRequest.Status, ControlProtocol.ParseRequest(Encoding.UTF8.GetBytes("""{"version":1,"command":"status"}""")));
        Assert.Equal(ControlRequest.Status, ControlProtocol.ParseRequest(Encoding.UTF8.GetBytes(""" { "command" : "status", "version" : 1 }""" + "\r")));

        Assert.Contains("malformed request", Reject("status"));
        Assert.Contains("malformed request", Reject("[1]"));
        Assert.Contains("malformed request", Reject("""{"version":"1","command":"status"}"""));
        Assert.Contains("malformed request", Reject("""{"version":1,"command":"status","force":true}"""));
        Assert.Contains("malformed request (null)", Reject("null"));
        Assert.Equal("request has no \"version\"", Reject("""{"command":"status"}"""));
        Assert.Equal("request has no \"command\"", Reject("""{"version":1}"""));
        Assert.Contains("unsupported protocol version 2", Reject("""{"version":2,"command":"status"}"""));
        Assert.Contains("unknown command 'reload'", Reject("""{"version":1,"command":"reload"}"""));
    }

    [Fact]
    public async Task A_line_longer_than_the_limit_is_refused_without_reading_on()
    {
        (Socket reader, Socket writer) = await ConnectedPairAsync();
        using (reader)
        using (writer)
        {
            await writer.SendAsync(new byte[ControlProtocol.MaxRequestBytes + 1]);
            var error = await Assert.ThrowsAsync<ControlProtocolException>(() =>
                ControlProtocol.ReadLineAsync(reader, ControlProtocol.MaxRequestBytes, CancellationToken.None));
            Assert.Equal($"line longer than {ControlProtocol.MaxRequestBytes} bytes", error.Message);
        }
    }

    [Fact]
    public async Task A_line_ends_at_the_newline_or_at_the_end_of_the_stream()
    {
        (Socket reader, Socket writer) = await ConnectedPairAsync();
        using (reader)
        using (writer)
        {
            await writer.SendAsync("abc\ndef"u8.ToArray());
            Assert.Equal("abc"u8.ToArray(), await ControlProtocol.ReadLineAsync(reader, 16, CancellationToken.None));
        }

        (reader, writer) = await ConnectedPairAsync();
        using (reader)
        {
            await writer.SendAsync("xyz"u8.ToArray());
            writer.Dispose();
            Assert.Equal("xyz"u8.ToArray(), await ControlProtocol.ReadLineAsync(reader, 16, CancellationToken.None));
            Assert.Null(await ControlProtocol.ReadLineAsync(reader, 16, CancellationToken.None));
        }
    }

    [Fact]
    public async Task Peer_credentials_are_the_connecting_process()
    {
        (Socket accepted, Socket client) = await ConnectedPairAsync();
        using (accepted)
        using (client)
        {
            PeerCredentials peer = PeerCredentials.Of(accepted);
            Assert.Equal(Environment.ProcessId, peer.Pid);
            Assert.Equal(Interop.Libc.GetEffectiveUserId(), peer.Uid);
        }
    }

    [Theory]
    [InlineData(1000u, 1000u, true)]
    [InlineData(0u, 1000u, true)]
    [InlineData(1001u, 1000u, false)]
    [InlineData(65534u, 0u, false)]
    public void Only_the_supervisors_user_and_root_are_served(uint peer, uint own, bool allowed) =>
        Assert.Equal(allowed, ControlServer.IsAllowed(peer, own));

    [Fact]
    public void The_socket_next_to_a_pid_file_swaps_the_extension()
    {
        Assert.Equal("/run/app/forkhost.sock", ControlSocketPath.NextToPidFile("/run/app/forkhost.pid"));
        Assert.Equal("/run/app/pid.sock", ControlSocketPath.NextToPidFile("/run/app/pid"));
        Assert.Equal("/run/app/odd.sock.sock", ControlSocketPath.NextToPidFile("/run/app/odd.sock"));
        Assert.Equal("/run/x.sock", ControlSocketPath.ForRun("/run/x.sock", "/run/app/forkhost.pid", 42));
        Assert.Equal("/run/app/forkhost.sock", ControlSocketPath.ForRun(null, "/run/app/forkhost.pid", 42));
    }

    [Fact]
    public void The_table_formats_durations_and_sizes_for_people()
    {
        Assert.Equal("0.4s", StatusTable.Duration(400));
        Assert.Equal("2m 05s", StatusTable.Duration(125_000));
        Assert.Equal("3h 07m", StatusTable.Duration((3 * 3600 + 7 * 60) * 1000L));
        Assert.Equal("2d 01h", StatusTable.Duration((49 * 3600) * 1000L));
        Assert.Equal("512 B", StatusTable.Bytes(512));
        Assert.Equal("55.8 MiB", StatusTable.Bytes(58_507_264));

        var status = new StatusSnapshot(10, "1.0.0", 1000, 1, 2, 2, 1, Ready: false, RequiredReadyWorkers: 2, null, "booting generation 2", ["http://127.0.0.1:8000"],
        [
            new WorkerStatus(1, 11, 1, "ready", 900, 100, 5, 1, 1 << 20, 1 << 19, 57, 256, 300, OldestRequestAgeMs: 2_500, OldestRequest: "GET /report"),
            new WorkerStatus(2, 12, 1, "booting", 50, null, null, null, null, null, null, null, null),
        ]);
        string[] lines = StatusTable.Format(status, "/run/x.sock").Split('\n');
        Assert.EndsWith("generation 1, reload: booting generation 2", lines[0]);
        Assert.Equal("workers: 2 wanted, 2 live, 1 ready", lines[1]);
        Assert.Equal("ready: no (1 of 2 ready, --ready-workers 2)", lines[2]);
        Assert.Contains(lines, l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries) is ["2", "12", "1", "booting", "0.1s", "-", "-", "-", "-", "-", "-"]);
        Assert.Contains(lines, l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries) is ["1", "11", "1", "ready", "0.9s", "5", "1", "2.5s", "1.0", "MiB", "57/256", "0.3s", "ago"]);
        Assert.Equal("?/256", StatusTable.Descriptors(null, 256));
        Assert.Equal("57", StatusTable.Descriptors(57, null));
    }

    private static string Reject(string line) =>
        Assert.Throws<ControlProtocolException>(() => ControlProtocol.ParseRequest(Encoding.UTF8.GetBytes(line))).Message;

    /// <summary>A connected unix stream pair through a real listening socket, so SO_PEERCRED is set as for the server.</summary>
    private static async Task<(Socket Accepted, Socket Client)> ConnectedPairAsync()
    {
        string path = Path.Combine(Path.GetTempPath(), $"forkhost-protocol-{Guid.NewGuid():N}.sock");
        using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(path));
        listener.Listen(1);
        var client = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await client.ConnectAsync(new UnixDomainSocketEndPoint(path));
        Socket accepted = await listener.AcceptAsync().WaitAsync(TimeSpan.FromSeconds(5));
        File.Delete(path);
        return (accepted, client);
    }
}
