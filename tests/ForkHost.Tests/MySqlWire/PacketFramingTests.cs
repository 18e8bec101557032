using System.Net;
using System.Net.Sockets;
using ForkHost.Channel;
using ForkHost.Lab.MySqlWire;

namespace ForkHost.Tests.MySqlWire;

/// <summary>
/// Framing failures a real server does not produce on demand, played by a scripted peer on a loopback socket (the
/// integration tests against the server cover the protocol itself).
/// </summary>
public sealed class PacketFramingTests
{
    private const MySqlCapabilities Capabilities = MySqlCapabilities.Protocol41 | MySqlCapabilities.DeprecateEof;

    [Fact]
    public async Task A_reply_with_the_wrong_sequence_id_is_packets_out_of_order()
    {
        // Column count 1 with sequence id 2 where 1 is due.
        InheritedMySqlException error = await QueryAgainstScriptedPeer([0x01, 0x00, 0x00, 0x02, 0x01]);

        Assert.Equal(InheritedMySqlException.CommandsOutOfSync, error.ErrorNumber);
        Assert.Contains("expected 1, got 2", error.Message);
    }

    [Fact]
    public async Task A_row_that_runs_past_its_packet_is_malformed()
    {
        byte[] reply =
        [
            0x01, 0x00, 0x00, 0x01, 0x01,                                   // column count 1
            0x04, 0x00, 0x00, 0x02, 0x03, (byte)'d', (byte)'e', (byte)'f',  // a (truncated but recognisable) column definition
            0x02, 0x00, 0x00, 0x03, 0x05, (byte)'a',                        // a row claiming 5 bytes, holding 1
        ];

        InheritedMySqlException error = await QueryAgainstScriptedPeer(reply);

        Assert.Equal(InheritedMySqlException.MalformedPacketError, error.ErrorNumber);
    }

    [Fact]
    public async Task A_peer_that_closes_mid_reply_is_a_lost_connection()
    {
        InheritedMySqlException error = await QueryAgainstScriptedPeer([0x01, 0x00, 0x00, 0x01, 0x01], closeAfterReply: true);

        Assert.Equal(InheritedMySqlException.ServerLost, error.ErrorNumber);
    }

    private static async Task<InheritedMySqlException> QueryAgainstScriptedPeer(byte[] reply, bool closeAfterReply = false)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await client.ConnectAsync(listener.LocalEndpoint, timeout.Token);
        using Socket peer = await listener.AcceptSocketAsync(timeout.Token);
        using var session = new InheritedMySqlSession(FileDescriptors.DuplicateCloseOnExec((int)client.Handle), Capabilities,
            tls: false, TimeSpan.FromSeconds(2));

        Task<IReadOnlyList<string?[]>> query = session.QueryAsync("SELECT 'a'", timeout.Token);
        byte[] command = new byte[64];
        int received = await peer.ReceiveAsync(command, SocketFlags.None, timeout.Token);
        Assert.True(received > 4);
        Assert.Equal(0, command[3]);    // sequence id of the command
        Assert.Equal(0x03, command[4]); // COM_QUERY
        await peer.SendAsync(reply, SocketFlags.None, timeout.Token);
        if (closeAfterReply)
            peer.Shutdown(SocketShutdown.Both);

        return await Assert.ThrowsAsync<InheritedMySqlException>(() => query);
    }
}
