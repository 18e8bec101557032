using System.Buffers;
using System.Net;
using System.Text;
using ForkHost.Worker.Proxies;

namespace ForkHost.Tests.Edge;

/// <summary>The PROXY protocol header, as HAProxy's proxy-protocol.txt specifies versions 1 and 2.</summary>
public sealed class ProxyProtocolHeaderTests
{
    private static readonly byte[] Signature = [0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A];

    [Fact]
    public void Version_1_gives_the_client_and_the_length_up_to_and_including_crlf()
    {
        byte[] bytes = Encoding.ASCII.GetBytes("PROXY TCP4 192.0.2.10 198.51.100.1 56324 443\r\nGET / HTTP/1.1\r\n");
        Assert.Equal(ProxyHeaderStatus.Parsed, ProxyProtocolHeader.TryParse(new ReadOnlySequence<byte>(bytes), out var header, out _));
        Assert.Equal(new IPEndPoint(IPAddress.Parse("192.0.2.10"), 56324), header.Source);
        Assert.Equal(new IPEndPoint(IPAddress.Parse("198.51.100.1"), 443), header.Destination);
        Assert.Equal("PROXY TCP4 192.0.2.10 198.51.100.1 56324 443\r\n".Length, header.Length);
    }

    [Fact]
    public void Version_1_takes_ipv6_and_unknown()
    {
        Assert.Equal(ProxyHeaderStatus.Parsed, Parse("PROXY TCP6 2001:db8::1 2001:db8::2 1000 80\r\n", out var v6));
        Assert.Equal(IPAddress.Parse("2001:db8::1"), v6.Source!.Address);
        Assert.Equal(ProxyHeaderStatus.Parsed, Parse("PROXY UNKNOWN\r\n", out var unknown));
        Assert.Null(unknown.Source);
        Assert.Equal(15, unknown.Length);
    }

    [Theory]
    [InlineData("P")]
    [InlineData("PROXY TCP4 192.0.2.10 198.51.100.1 563")]
    public void A_partial_version_1_header_asks_for_more(string partial) =>
        Assert.Equal(ProxyHeaderStatus.Incomplete, Parse(partial, out _));

    [Theory]
    [InlineData("GET / HTTP/1.1\r\n")]
    [InlineData("PROXY TCP4 192.0.2.10 198.51.100.1 56324\r\n")]
    [InlineData("PROXY TCP4 2001:db8::1 198.51.100.1 1 2\r\n")]
    [InlineData("PROXY TCP4 192.0.2.10 198.51.100.1 99999 443\r\n")]
    [InlineData("PROXY TCP4 192.0.2.10 198.51.100.1 056 443\r\n")]
    [InlineData("PROXY TCP4 192.0.2.10 198.51.100.1 56324 443\n")]
    public void A_malformed_header_or_none_is_invalid(string text) =>
        Assert.Equal(ProxyHeaderStatus.Invalid, Parse(text, out _));

    [Fact]
    public void A_version_1_line_past_107_bytes_is_invalid()
    {
        string line = "PROXY TCP6 " + new string('1', 120);
        Assert.Equal(ProxyHeaderStatus.Invalid, Parse(line, out _));
    }

    [Fact]
    public void Version_2_ipv4_with_tlvs_gives_the_client_and_the_whole_length()
    {
        byte[] tlv = [0x01, 0x00, 0x02, (byte)'h', (byte)'2'];
        byte[] header = Version2(0x21, 0x11, [192, 0, 2, 10, 198, 51, 100, 1, 0xDC, 0x04, 0x01, 0xBB, .. tlv]);
        byte[] bytes = [.. header, .. "GET"u8];
        Assert.Equal(ProxyHeaderStatus.Parsed, ProxyProtocolHeader.TryParse(new ReadOnlySequence<byte>(bytes), out var parsed, out _));
        Assert.Equal(new IPEndPoint(IPAddress.Parse("192.0.2.10"), 0xDC04), parsed.Source);
        Assert.Equal(new IPEndPoint(IPAddress.Parse("198.51.100.1"), 443), parsed.Destination);
        Assert.Equal(header.Length, parsed.Length);
    }

    [Fact]
    public void Version_2_ipv6_and_local()
    {
        byte[] v6 = [.. IPAddress.Parse("2001:db8::1").GetAddressBytes(), .. IPAddress.Parse("2001:db8::2").GetAddressBytes(), 0, 80, 0, 81];
        Assert.Equal(ProxyHeaderStatus.Parsed, ProxyProtocolHeader.TryParse(new ReadOnlySequence<byte>(Version2(0x21, 0x21, v6)), out var parsed, out _));
        Assert.Equal(new IPEndPoint(IPAddress.Parse("2001:db8::1"), 80), parsed.Source);

        Assert.Equal(ProxyHeaderStatus.Parsed, ProxyProtocolHeader.TryParse(new ReadOnlySequence<byte>(Version2(0x20, 0x00, [])), out var local, out _));
        Assert.Null(local.Source);
        Assert.Equal(16, local.Length);
    }

    [Fact]
    public void A_partial_version_2_header_asks_for_more_and_a_bad_version_is_invalid()
    {
        byte[] whole = Version2(0x21, 0x11, [192, 0, 2, 10, 198, 51, 100, 1, 0, 1, 0, 2]);
        Assert.Equal(ProxyHeaderStatus.Incomplete, ProxyProtocolHeader.TryParse(new ReadOnlySequence<byte>(whole[..7]), out _, out _));
        Assert.Equal(ProxyHeaderStatus.Incomplete, ProxyProtocolHeader.TryParse(new ReadOnlySequence<byte>(whole[..20]), out _, out _));
        Assert.Equal(ProxyHeaderStatus.Invalid, ProxyProtocolHeader.TryParse(new ReadOnlySequence<byte>(Version2(0x31, 0x11, whole[16..])), out _, out var error));
        Assert.Contains("version 3", error);
        Assert.Equal(ProxyHeaderStatus.Invalid, ProxyProtocolHeader.TryParse(new ReadOnlySequence<byte>(Version2(0x21, 0x11, [1, 2, 3])), out _, out _));
    }

    private static ProxyHeaderStatus Parse(string text, out ProxyProtocolHeader header) =>
        ProxyProtocolHeader.TryParse(new ReadOnlySequence<byte>(Encoding.ASCII.GetBytes(text)), out header, out _);

    private static byte[] Version2(byte versionAndCommand, byte family, byte[] rest) =>
        [.. Signature, versionAndCommand, family, (byte)(rest.Length >> 8), (byte)rest.Length, .. rest];
}
