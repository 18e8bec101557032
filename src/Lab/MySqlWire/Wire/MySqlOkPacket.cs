namespace ForkHost.Lab.MySqlWire;

/// <summary>An OK packet, or an EOF packet read the same way (it carries warnings and status only).</summary>
internal readonly record struct MySqlOkPacket(ulong AffectedRows, ulong LastInsertId, MySqlServerStatus Status, int Warnings)
{
    public const byte Header = 0x00;
    public const byte EofHeader = 0xFE;

    /// <summary>The smallest OK packet: header, two one-byte integers, status and warnings.</summary>
    public const int MinimumLength = 7;

    /// <summary>An EOF packet is shorter than 9 bytes; a row that starts with 0xFE (an 8-byte length) never is.</summary>
    public const int EofMaximumLength = 9;

    public bool MoreResultsExist => (Status & MySqlServerStatus.MoreResultsExist) != 0;

    public static MySqlOkPacket ParseOk(ReadOnlySpan<byte> payload, MySqlCapabilities capabilities)
    {
        var reader = new MySqlPayloadReader(payload);
        reader.ReadByte();
        ulong affectedRows = reader.ReadLengthEncodedInteger();
        ulong lastInsertId = reader.ReadLengthEncodedInteger();
        var status = MySqlServerStatus.None;
        int warnings = 0;
        if ((capabilities & MySqlCapabilities.Protocol41) != 0)
        {
            status = (MySqlServerStatus)reader.ReadUInt16();
            warnings = reader.ReadUInt16();
        }
        else if ((capabilities & MySqlCapabilities.Transactions) != 0)
        {
            status = (MySqlServerStatus)reader.ReadUInt16();
        }

        // What follows (info text, session state changes) is not needed here.
        return new MySqlOkPacket(affectedRows, lastInsertId, status, warnings);
    }

    public static MySqlOkPacket ParseEof(ReadOnlySpan<byte> payload)
    {
        var reader = new MySqlPayloadReader(payload);
        reader.ReadByte();
        if (reader.AtEnd)
            return new MySqlOkPacket(0, 0, MySqlServerStatus.None, 0);
        int warnings = reader.ReadUInt16();
        var status = (MySqlServerStatus)reader.ReadUInt16();
        return new MySqlOkPacket(0, 0, status, warnings);
    }
}
