using System.Text;

namespace ForkHost.Lab.MySqlWire;

/// <summary>Turns an ERR packet into the exception the caller sees.</summary>
internal static class MySqlErrorPacket
{
    public const byte Header = 0xFF;

    public static InheritedMySqlException Parse(ReadOnlySpan<byte> payload, MySqlCapabilities capabilities)
    {
        var reader = new MySqlPayloadReader(payload);
        reader.ReadByte();
        int errorNumber = reader.ReadUInt16();
        string? sqlState = null;
        if ((capabilities & MySqlCapabilities.Protocol41) != 0 && !reader.AtEnd && reader.PeekByte() == (byte)'#')
        {
            reader.ReadByte();
            sqlState = Encoding.ASCII.GetString(reader.ReadBytes(5));
        }

        string message = Encoding.UTF8.GetString(reader.ReadRest());
        return InheritedMySqlException.FromServer(errorNumber, sqlState, message);
    }
}
