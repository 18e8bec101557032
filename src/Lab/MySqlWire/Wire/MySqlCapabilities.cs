namespace ForkHost.Lab.MySqlWire;

/// <summary>
/// Client/server capability flags of the MySQL protocol. The lower 32 bits are the standard flags; MariaDB's
/// extended flags, which a MariaDB server sends in the greeting's filler when it clears <see cref="LongPassword"/>,
/// are kept in the upper 32 bits (the layout MySqlConnector uses too).
/// </summary>
[Flags]
internal enum MySqlCapabilities : ulong
{
    None = 0,
    LongPassword = 0x1,
    FoundRows = 0x2,
    LongFlag = 0x4,
    ConnectWithDatabase = 0x8,
    NoSchema = 0x10,
    Compress = 0x20,
    Odbc = 0x40,
    LocalFiles = 0x80,
    IgnoreSpace = 0x100,
    Protocol41 = 0x200,
    Interactive = 0x400,
    Ssl = 0x800,
    IgnoreSigpipe = 0x1000,
    Transactions = 0x2000,
    Reserved = 0x4000,
    SecureConnection = 0x8000,
    MultiStatements = 0x1_0000,
    MultiResults = 0x2_0000,
    PreparedStatementMultiResults = 0x4_0000,
    PluginAuth = 0x8_0000,
    ConnectionAttributes = 0x10_0000,
    PluginAuthLengthEncodedClientData = 0x20_0000,
    CanHandleExpiredPasswords = 0x40_0000,
    SessionTrack = 0x80_0000,
    DeprecateEof = 0x100_0000,
    OptionalResultsetMetadata = 0x200_0000,
    ZstdCompression = 0x400_0000,
    QueryAttributes = 0x800_0000,
    MultiFactorAuthentication = 0x1000_0000,
    CapabilityExtension = 0x2000_0000,
    SslVerifyServerCertificate = 0x4000_0000,
    RememberOptions = 0x8000_0000,

    MariaDbClientProgress = 0x1_0000_0000,
    MariaDbComMulti = 0x2_0000_0000,
    MariaDbStatementBulkOperations = 0x4_0000_0000,
    MariaDbExtendedTypeInfo = 0x8_0000_0000,
    MariaDbCacheMetadata = 0x10_0000_0000,
}
