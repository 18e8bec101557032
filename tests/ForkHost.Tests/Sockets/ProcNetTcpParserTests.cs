using System.Net;
using ForkHost.Sockets;
using ForkHost.Supervisor.Sockets;

namespace ForkHost.Tests.Sockets;

public sealed class ProcNetTcpParserTests
{
    [Fact]
    public void Parses_an_established_IPv4_line()
    {
        const string line = "   3: 0100007F:D6A2 0100007F:0D47 01 00000000:00000000 02:00000A1B 00000000     0        0 26931 2 00000000a1b2c3d4 20 4 30 10 -1";

        Assert.True(ProcNetTcpParser.TryParseLine(line, out ProcNetTcpEntry entry));

        Assert.Equal(new IPEndPoint(IPAddress.Parse("127.0.0.1"), 0xD6A2), entry.Local);
        Assert.Equal(new IPEndPoint(IPAddress.Parse("127.0.0.1"), 3399), entry.Remote);
        Assert.Equal(TcpState.Established, entry.State);
        Assert.Equal(26931UL, entry.Inode);
    }

    [Fact]
    public void Reads_IPv4_words_in_host_byte_order()
    {
        // 10.1.2.3 is stored as the bytes 0A 01 02 03, which a little-endian host prints as 0302010A.
        const string line = "   0: 0302010A:01BB 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1460 1 00000000de00bd6d 100 0 0 10 0";

        Assert.True(ProcNetTcpParser.TryParseLine(line, out ProcNetTcpEntry entry));

        Assert.Equal(new IPEndPoint(IPAddress.Parse("10.1.2.3"), 443), entry.Local);
        Assert.Equal(new IPEndPoint(IPAddress.Any, 0), entry.Remote);
        Assert.Equal(TcpState.Listen, entry.State);
        Assert.Equal(1460UL, entry.Inode);
    }

    [Fact]
    public void Parses_an_IPv6_line()
    {
        // ::1 port 8080 talking to fd00::2 (fd000000 00000000 00000000 00000002) port 50000.
        const string line = "   1: 00000000000000000000000001000000:1F90 000000FD000000000000000002000000:C350 01 00000000:00000000 00:00000000 00000000  1000        0 77123 1 0000000000000000 20 4 0 10 -1";

        Assert.True(ProcNetTcpParser.TryParseLine(line, out ProcNetTcpEntry entry));

        Assert.Equal(new IPEndPoint(IPAddress.IPv6Loopback, 8080), entry.Local);
        Assert.Equal(new IPEndPoint(IPAddress.Parse("fd00::2"), 50000), entry.Remote);
        Assert.Equal(TcpState.Established, entry.State);
        Assert.Equal(77123UL, entry.Inode);
    }

    [Fact]
    public void Parses_a_v4_mapped_IPv6_line()
    {
        const string line = "   0: 0000000000000000FFFF00000100007F:0D47 0000000000000000FFFF00000100007F:E1B0 06 00000000:00000000 03:00001770 00000000     0        0 0 3 0000000000000000";

        Assert.True(ProcNetTcpParser.TryParseLine(line, out ProcNetTcpEntry entry));

        Assert.Equal(new IPEndPoint(IPAddress.Parse("::ffff:127.0.0.1"), 3399), entry.Local);
        Assert.True(entry.Local.Address.IsIPv4MappedToIPv6);
        Assert.Equal(57776, entry.Remote.Port);
        Assert.Equal(TcpState.TimeWait, entry.State);
        Assert.Equal(0UL, entry.Inode);
    }

    [Theory]
    [InlineData("  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode")]
    [InlineData("")]
    [InlineData("   0: 0100007F:0D47 0100007F 01 00000000:00000000 00:00000000 00000000     0        0 1 1")]
    [InlineData("   0: 0100007:0D47 0100007F:0D47 01 00000000:00000000 00:00000000 00000000     0        0 1 1")]
    [InlineData("   0: 0100007F:0D47 00000000000000000000000001000000:0D47 01 00000000:00000000 00:00000000 00000000     0        0 1 1")]
    [InlineData("   0: 0100007F:XYZW 0100007F:0D47 01 00000000:00000000 00:00000000 00000000     0        0 1 1")]
    [InlineData("   0: 0100007F:0D47 0100007F:0D47 01 00000000:00000000 00:00000000 00000000     0        0 -1 1")]
    [InlineData("   0: 0100007F:0D47 0100007F:0D47 01")]
    public void Rejects_lines_that_do_not_parse(string line)
    {
        Assert.False(ProcNetTcpParser.TryParseLine(line, out _));
    }

    [Fact]
    public void Unknown_states_map_to_Other()
    {
        const string line = "   0: 0100007F:0D47 0100007F:0D48 1F 00000000:00000000 00:00000000 00000000     0        0 5 1";

        Assert.True(ProcNetTcpParser.TryParseLine(line, out ProcNetTcpEntry entry));
        Assert.Equal(TcpState.Other, entry.State);
    }

    [Theory]
    [InlineData("socket:[26931]", true, 26931UL)]
    [InlineData("pipe:[26931]", false, 0UL)]
    [InlineData("/dev/null", false, 0UL)]
    [InlineData("socket:[]", false, 0UL)]
    [InlineData(null, false, 0UL)]
    public void Recognises_socket_links(string? target, bool expected, ulong inode)
    {
        Assert.Equal(expected, TcpSocketInventory.TryParseSocketLink(target, out ulong parsed));
        Assert.Equal(inode, parsed);
    }
}
