using System.Globalization;

namespace ForkHost.Lab.MySqlWire;

/// <summary>
/// The keys under which the supervisor describes an inherited MySQL session in
/// <see cref="InheritedConnection.Properties"/>, and their encoding; both sides go through this class.
/// </summary>
internal static class InheritedMySqlProperties
{
    /// <summary>The <see cref="InheritedConnection.Service"/> of a MySQL session.</summary>
    public const string Service = "mysql";

    /// <summary>The negotiated <see cref="MySqlCapabilities"/>, as hex with a 0x prefix (decimal is accepted too).</summary>
    public const string CapabilitiesKey = "mysql.capabilities";

    /// <summary>"true" when the session runs over TLS (then this client can't use it).</summary>
    public const string TlsKey = "mysql.tls";

    /// <summary>Informational: the server's version.</summary>
    public const string ServerVersionKey = "mysql.serverVersion";

    public static IReadOnlyDictionary<string, string> Describe(MySqlCapabilities negotiated, string serverVersion) =>
        new Dictionary<string, string>
        {
            [CapabilitiesKey] = "0x" + ((ulong)negotiated).ToString("X", CultureInfo.InvariantCulture),
            [TlsKey] = (negotiated & MySqlCapabilities.Ssl) != 0 ? "true" : "false",
            [ServerVersionKey] = serverVersion,
        };

    public static (MySqlCapabilities Capabilities, bool Tls) Read(IReadOnlyDictionary<string, string> properties)
    {
        if (!properties.TryGetValue(CapabilitiesKey, out string? capabilitiesText))
            throw new ArgumentException($"The inherited connection has no '{CapabilitiesKey}' property; it was not described as a MySQL session.", nameof(properties));
        if (!TryParseCapabilities(capabilitiesText, out MySqlCapabilities capabilities))
            throw new ArgumentException($"The '{CapabilitiesKey}' property '{capabilitiesText}' is not a number.", nameof(properties));

        bool tls = (capabilities & MySqlCapabilities.Ssl) != 0;
        if (properties.TryGetValue(TlsKey, out string? tlsText))
        {
            if (!bool.TryParse(tlsText, out bool declared))
                throw new ArgumentException($"The '{TlsKey}' property '{tlsText}' is not true or false.", nameof(properties));
            tls |= declared;
        }

        return (capabilities, tls);
    }

    internal static bool TryParseCapabilities(string text, out MySqlCapabilities capabilities)
    {
        text = text.Trim();
        bool parsed = text.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
            ? ulong.TryParse(text.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out ulong value)
            : ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value);
        capabilities = (MySqlCapabilities)value;
        return parsed;
    }
}
