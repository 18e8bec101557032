using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Text;

namespace ForkHost.Worker.Proxies;

/// <summary>What <see cref="ProxyProtocolHeader.TryParse"/> found at the start of a connection.</summary>
internal enum ProxyHeaderStatus
{
    /// <summary>Not enough bytes yet to decide.</summary>
    Incomplete,
    /// <summary>Not a PROXY header, or a malformed one: the connection is closed.</summary>
    Invalid,
    Parsed,
}

/// <summary>
/// The PROXY protocol header a load balancer (HAProxy <c>send-proxy</c>/<c>send-proxy-v2</c>, a cloud L4 balancer)
/// puts before the client's bytes, versions 1 (text) and 2 (binary), as HAProxy's specification
/// (proxy-protocol.txt) defines them. ASP.NET Core has no reader of its own and no maintained library exists for
/// Kestrel, so this is one: it only reads the addresses; TLVs (version 2) are skipped.
/// </summary>
/// <param name="Source">The client, as the proxy saw it; null for a LOCAL (v2) or UNKNOWN (v1) header, such as
/// the proxy's own health check, when the connection's own addresses stand.</param>
/// <param name="Destination">The address the client connected to.</param>
/// <param name="Length">Bytes the header takes, to skip before the client's own.</param>
internal readonly record struct ProxyProtocolHeader(IPEndPoint? Source, IPEndPoint? Destination, int Length)
{
    /// <summary>Version 1's longest line, CRLF included (the specification's 107 bytes).</summary>
    public const int MaxVersion1Length = 107;

    private static ReadOnlySpan<byte> Version2Signature => "\r\n\r\n\0\r\nQUIT\n"u8;

    private static ReadOnlySpan<byte> Version1Prefix => "PROXY "u8;

    /// <summary>Version 2's fixed part: signature, version and command, family, length.</summary>
    private const int Version2FixedLength = 16;

    public static ProxyHeaderStatus TryParse(ReadOnlySequence<byte> buffer, out ProxyProtocolHeader header, out string? error)
    {
        header = default;
        error = null;
        Span<byte> start = stackalloc byte[Version2FixedLength];
        int available = (int)Math.Min(buffer.Length, start.Length);
        buffer.Slice(0, available).CopyTo(start);
        start = start[..available];

        if (Version2Signature.StartsWith(start) || start.StartsWith(Version2Signature))
            return start.Length < Version2FixedLength ? ProxyHeaderStatus.Incomplete : ParseVersion2(buffer, start, out header, out error);
        if (Version1Prefix.StartsWith(start) || start.StartsWith(Version1Prefix))
            return start.Length < Version1Prefix.Length ? ProxyHeaderStatus.Incomplete : ParseVersion1(buffer, out header, out error);
        error = "the connection does not start with a PROXY protocol header";
        return ProxyHeaderStatus.Invalid;
    }

    private static ProxyHeaderStatus ParseVersion1(ReadOnlySequence<byte> buffer, out ProxyProtocolHeader header, out string? error)
    {
        header = default;
        error = null;
        ReadOnlySequence<byte> head = buffer.Slice(0, Math.Min(buffer.Length, MaxVersion1Length));
        SequencePosition? lineFeed = head.PositionOf((byte)'\n');
        if (lineFeed is null)
        {
            if (head.Length < MaxVersion1Length)
                return ProxyHeaderStatus.Incomplete;
            error = $"a PROXY v1 line longer than {MaxVersion1Length} bytes";
            return ProxyHeaderStatus.Invalid;
        }
        int length = (int)head.Slice(0, lineFeed.Value).Length + 1;
        string line = Encoding.ASCII.GetString(head.Slice(0, length).ToArray());
        if (!line.EndsWith("\r\n", StringComparison.Ordinal))
        {
            error = "a PROXY v1 line not ended by CRLF";
            return ProxyHeaderStatus.Invalid;
        }
        string[] fields = line[..^2].Split(' ');
        if (fields is ["PROXY", "UNKNOWN", ..])
        {
            header = new ProxyProtocolHeader(null, null, length);
            return ProxyHeaderStatus.Parsed;
        }
        if (fields is not ["PROXY", "TCP4" or "TCP6", var source, var destination, var sourcePort, var destinationPort]
            || !IPAddress.TryParse(source, out IPAddress? sourceAddress) || !IPAddress.TryParse(destination, out IPAddress? destinationAddress)
            || !TryParsePort(sourcePort, out int sourcePortNumber) || !TryParsePort(destinationPort, out int destinationPortNumber)
            || (fields[1] == "TCP4") != (sourceAddress.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork))
        {
            error = "a malformed PROXY v1 line";
            return ProxyHeaderStatus.Invalid;
        }
        header = new ProxyProtocolHeader(new IPEndPoint(sourceAddress, sourcePortNumber), new IPEndPoint(destinationAddress, destinationPortNumber), length);
        return ProxyHeaderStatus.Parsed;
    }

    private static ProxyHeaderStatus ParseVersion2(ReadOnlySequence<byte> buffer, ReadOnlySpan<byte> fixedPart, out ProxyProtocolHeader header, out string? error)
    {
        header = default;
        error = null;
        byte versionAndCommand = fixedPart[12];
        byte familyAndTransport = fixedPart[13];
        int remaining = BinaryPrimitives.ReadUInt16BigEndian(fixedPart[14..]);
        if (versionAndCommand >> 4 != 2)
        {
            error = $"PROXY protocol version {versionAndCommand >> 4}, not 2";
            return ProxyHeaderStatus.Invalid;
        }
        int length = Version2FixedLength + remaining;
        if (buffer.Length < length)
            return ProxyHeaderStatus.Incomplete;

        int command = versionAndCommand & 0xF;
        if (command == 0)
        {
            // LOCAL: the proxy speaks for itself (a health check); the connection's addresses are the real ones.
            header = new ProxyProtocolHeader(null, null, length);
            return ProxyHeaderStatus.Parsed;
        }
        if (command != 1)
        {
            error = $"an unknown PROXY v2 command {command}";
            return ProxyHeaderStatus.Invalid;
        }
        int addressLength = (familyAndTransport >> 4) switch { 1 => 4, 2 => 16, _ => 0 };
        if (addressLength == 0)
        {
            // UNSPEC or UNIX: nothing an IP endpoint can hold; keep the connection's own addresses.
            header = new ProxyProtocolHeader(null, null, length);
            return ProxyHeaderStatus.Parsed;
        }
        if (remaining < 2 * addressLength + 4)
        {
            error = $"a PROXY v2 header too short for its addresses ({remaining} bytes)";
            return ProxyHeaderStatus.Invalid;
        }
        byte[] addresses = buffer.Slice(Version2FixedLength, 2 * addressLength + 4).ToArray();
        var source = new IPAddress(addresses.AsSpan(0, addressLength));
        var destination = new IPAddress(addresses.AsSpan(addressLength, addressLength));
        int sourcePort = BinaryPrimitives.ReadUInt16BigEndian(addresses.AsSpan(2 * addressLength));
        int destinationPort = BinaryPrimitives.ReadUInt16BigEndian(addresses.AsSpan(2 * addressLength + 2));
        header = new ProxyProtocolHeader(new IPEndPoint(source, sourcePort), new IPEndPoint(destination, destinationPort), length);
        return ProxyHeaderStatus.Parsed;
    }

    private static bool TryParsePort(string text, out int port) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out port) && port <= IPEndPoint.MaxPort
        && (text == "0" || text[0] != '0');
}
