using System.Buffers.Binary;
using System.Globalization;
using System.Net;

namespace ForkHost.Supervisor.Sockets;

/// <summary>
/// Parses lines of /proc/net/tcp and /proc/net/tcp6. The kernel prints each address as the raw 32-bit words of the
/// in-kernel (network order) address, formatted with %08X on the host, so every word reads byte-swapped on
/// little-endian machines; ports are printed as plain numbers.
/// </summary>
internal static class ProcNetTcpParser
{
    private const int IPv4HexLength = 8;
    private const int IPv6HexLength = 32;

    /// <summary>Parses one line; false for the header line and for anything that does not look like a socket.</summary>
    public static bool TryParseLine(string line, out ProcNetTcpEntry entry)
    {
        entry = default;
        // "  sl  local_address rem_address   st tx_queue:rx_queue tr:tm->when retrnsmt   uid  timeout inode ..."
        string[] fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length < 10 || !fields[0].EndsWith(':'))
            return false;

        if (!TryParseEndPoint(fields[1], out IPEndPoint? local)
            || !TryParseEndPoint(fields[2], out IPEndPoint? remote)
            || local.AddressFamily != remote.AddressFamily)
            return false;

        if (!byte.TryParse(fields[3], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out byte state))
            return false;

        if (!ulong.TryParse(fields[9], NumberStyles.None, CultureInfo.InvariantCulture, out ulong inode))
            return false;

        entry = new ProcNetTcpEntry(local, remote, ToState(state), inode);
        return true;
    }

    internal static bool TryParseEndPoint(string text, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out IPEndPoint? endPoint)
    {
        endPoint = null;
        int colon = text.IndexOf(':');
        if (colon < 0)
            return false;

        ReadOnlySpan<char> addressHex = text.AsSpan(0, colon);
        if (!ushort.TryParse(text.AsSpan(colon + 1), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out ushort port))
            return false;

        if (addressHex.Length != IPv4HexLength && addressHex.Length != IPv6HexLength)
            return false;

        Span<byte> address = stackalloc byte[addressHex.Length / 2];
        for (int word = 0; word < address.Length / 4; word++)
        {
            if (!uint.TryParse(addressHex.Slice(word * 8, 8), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out uint value))
                return false;
            // The word holds the network-order bytes as the host reads them, so write it back in host order.
            if (BitConverter.IsLittleEndian)
                BinaryPrimitives.WriteUInt32LittleEndian(address.Slice(word * 4, 4), value);
            else
                BinaryPrimitives.WriteUInt32BigEndian(address.Slice(word * 4, 4), value);
        }

        endPoint = new IPEndPoint(new IPAddress(address), port);
        return true;
    }

    private static TcpState ToState(byte state) =>
        Enum.IsDefined(typeof(TcpState), (int)state) ? (TcpState)state : TcpState.Other;
}
