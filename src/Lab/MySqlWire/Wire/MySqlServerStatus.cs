namespace ForkHost.Lab.MySqlWire;

/// <summary>The server status flags carried by OK and EOF packets and the greeting (only those this client reads).</summary>
[Flags]
internal enum MySqlServerStatus : ushort
{
    None = 0,
    InTransaction = 0x0001,
    AutoCommit = 0x0002,
    MoreResultsExist = 0x0008,
}
