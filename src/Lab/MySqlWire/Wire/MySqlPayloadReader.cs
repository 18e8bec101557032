using System.Buffers.Binary;
using System.Text;

namespace ForkHost.Lab.MySqlWire;

/// <summary>
/// Reads the protocol's basic types from one packet payload. Every read that runs past the end throws
/// <see cref="InheritedMySqlException"/> 2027 (malformed packet), so a truncated or foreign packet can't be
/// mistaken for data.
/// </summary>
internal ref struct MySqlPayloadReader(ReadOnlySpan<byte> payload)
{
    private readonly ReadOnlySpan<byte> _payload = payload;
    private int _position;

    public readonly int Remaining => _payload.Length - _position;

    public readonly bool AtEnd => _position == _payload.Length;

    public readonly byte PeekByte() => Remaining > 0 ? _payload[_position] : throw Truncated();

    public byte ReadByte()
    {
        byte value = PeekByte();
        _position++;
        return value;
    }

    public ushort ReadUInt16() => BinaryPrimitives.ReadUInt16LittleEndian(ReadBytes(2));

    public uint ReadUInt32() => BinaryPrimitives.ReadUInt32LittleEndian(ReadBytes(4));

    public ReadOnlySpan<byte> ReadBytes(int count)
    {
        if (count < 0 || count > Remaining)
            throw Truncated();
        ReadOnlySpan<byte> bytes = _payload.Slice(_position, count);
        _position += count;
        return bytes;
    }

    public void Skip(int count) => ReadBytes(count);

    public ReadOnlySpan<byte> ReadRest() => ReadBytes(Remaining);

    public string ReadNullTerminatedString()
    {
        int end = _payload[_position..].IndexOf((byte)0);
        if (end < 0)
            throw Truncated();
        string value = Encoding.UTF8.GetString(_payload.Slice(_position, end));
        _position += end + 1;
        return value;
    }

    /// <summary>A length-encoded integer; 0xFB (NULL in a row) and 0xFF are not integers here.</summary>
    public ulong ReadLengthEncodedInteger()
    {
        byte first = ReadByte();
        return first switch
        {
            < 0xFB => first,
            0xFC => ReadUInt16(),
            0xFD => ReadUInt24(),
            0xFE => BinaryPrimitives.ReadUInt64LittleEndian(ReadBytes(8)),
            _ => throw InheritedMySqlException.MalformedPacket($"0x{first:X2} where a length-encoded integer was expected"),
        };
    }

    /// <summary>A length-encoded string, or null for the 0xFB marker a text row uses for SQL NULL.</summary>
    public string? ReadLengthEncodedStringOrNull()
    {
        if (PeekByte() == 0xFB)
        {
            _position++;
            return null;
        }

        ulong length = ReadLengthEncodedInteger();
        if (length > (ulong)Remaining)
            throw Truncated();
        return Encoding.UTF8.GetString(ReadBytes((int)length));
    }

    public void SkipLengthEncodedString()
    {
        ulong length = ReadLengthEncodedInteger();
        if (length > (ulong)Remaining)
            throw Truncated();
        _position += (int)length;
    }

    private uint ReadUInt24()
    {
        ReadOnlySpan<byte> bytes = ReadBytes(3);
        return (uint)(bytes[0] | bytes[1] << 8 | bytes[2] << 16);
    }

    private readonly InheritedMySqlException Truncated() =>
        InheritedMySqlException.MalformedPacket($"a {_payload.Length}-byte payload ended early at offset {_position}");
}
