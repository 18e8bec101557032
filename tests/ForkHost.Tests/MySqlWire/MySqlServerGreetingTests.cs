using System.Reflection;
using ForkHost.Lab.MySqlWire;
using ForkHost.Tests.MySql;
using MySqlConnector;
using Xunit.Abstractions;

namespace ForkHost.Tests.MySqlWire;

[Collection(MySqlCollection.Name)]
public sealed class MySqlServerGreetingTests(MySqlServerFixture fixture, ITestOutputHelper output)
{
    [Fact]
    public async Task Reads_the_greeting_of_the_real_server()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var builder = new MySqlConnectionStringBuilder(fixture.ConnectionString);
        string version;
        await using (var connection = new MySqlConnection(fixture.ConnectionString))
        {
            await connection.OpenAsync(timeout.Token);
            await using var command = new MySqlCommand("SELECT VERSION()", connection);
            version = (string)(await command.ExecuteScalarAsync(timeout.Token))!;
        }

        MySqlServerGreeting greeting = await MySqlServerGreeting.ReadAsync(builder.Server, (int)builder.Port, TimeSpan.FromSeconds(5), timeout.Token);
        output.WriteLine($"version {greeting.ServerVersion}, offered 0x{(ulong)greeting.Capabilities:X} ({greeting.Capabilities}), " +
            $"MySqlConnector negotiates 0x{(ulong)greeting.NegotiatedByMySqlConnector():X} ({greeting.NegotiatedByMySqlConnector()}), " +
            $"TLS offered: {greeting.OffersTls}, plugin {greeting.AuthPluginName}, charset {greeting.CharacterSet}");

        Assert.StartsWith(version, greeting.ServerVersion);
        Assert.True(greeting.ConnectionId > 0);
        Assert.True(greeting.Capabilities.HasFlag(MySqlCapabilities.Protocol41));
        Assert.True(greeting.Capabilities.HasFlag(MySqlCapabilities.SecureConnection));
        if (version.Contains("MariaDB", StringComparison.Ordinal))
        {
            Assert.True(greeting.Capabilities.HasFlag(MySqlCapabilities.DeprecateEof));
            // MariaDB clears CLIENT_LONG_PASSWORD to announce its extended flags.
            Assert.False(greeting.Capabilities.HasFlag(MySqlCapabilities.LongPassword));
        }

        IReadOnlyDictionary<string, string> properties = greeting.DescribeForInheritance();
        (MySqlCapabilities read, bool tls) = InheritedMySqlProperties.Read(properties);
        Assert.Equal(greeting.NegotiatedByMySqlConnector(), read);
        Assert.Equal(greeting.OffersTls, tls);
        Assert.Equal(greeting.ServerVersion, properties[InheritedMySqlProperties.ServerVersionKey]);
    }

    public static TheoryData<ulong> ServerCapabilities => new()
    {
        ulong.MaxValue,
        ulong.MaxValue & ~(ulong)MySqlCapabilities.LongPassword,
        uint.MaxValue,
        // MariaDB 10.11 as seen on the test machine, and without DEPRECATE_EOF / QUERY_ATTRIBUTES.
        0x1D_C1FF_F7FE,
        0x1D_C1FF_F7FE & ~(ulong)(MySqlCapabilities.DeprecateEof | MySqlCapabilities.QueryAttributes),
        // MySQL 8-like: no MariaDB flags, LONG_PASSWORD set, TLS offered.
        0xDFFF_FFFF,
    };

    [Theory]
    [MemberData(nameof(ServerCapabilities))]
    public void Negotiates_what_MySqlConnector_itself_would(ulong server)
    {
        foreach ((string connectionString, bool withDatabase, bool useAffectedRows, bool localInfile, bool interactive) in new[]
        {
            ("Server=x;User ID=u;Database=forkhost", true, false, false, false),
            ("Server=x;User ID=u", false, false, false, false),
            ("Server=x;User ID=u;Database=d;UseAffectedRows=true;AllowLoadLocalInfile=true;InteractiveSession=true", true, true, true, true),
        })
        {
            foreach (bool tls in new[] { false, true })
            {
                MySqlCapabilities ours = MySqlServerGreeting.NegotiateLikeMySqlConnector((MySqlCapabilities)server,
                    withDatabase, useAffectedRows, localInfile, interactive, useCompression: false, useTls: tls);
                MySqlCapabilities theirs = MySqlConnectorClientCapabilities(server, connectionString, tls);
                Assert.True(theirs == ours, $"{connectionString}, tls {tls}: MySqlConnector 0x{(ulong)theirs:X} ({theirs}), ours 0x{(ulong)ours:X} ({ours})");
            }
        }
    }

    [Fact]
    public void Parses_a_literal_MariaDB_greeting()
    {
        byte[] payload = Convert.FromHexString(
            "0A" + Convert.ToHexString("5.5.5-10.11.19-MariaDB-0+deb12u1\0"u8) +
            "2A000000" + "3132333435363738" + "00" + "FEF7" + "2D" + "0200" + "FF81" + "15" + "000000000000" + "1D000000" +
            "39303132333435363738394100" + Convert.ToHexString("mysql_native_password\0"u8));

        MySqlServerGreeting greeting = MySqlServerGreeting.Parse(payload);

        Assert.Equal("10.11.19-MariaDB-0+deb12u1", greeting.ServerVersion);
        Assert.Equal(42u, greeting.ConnectionId);
        Assert.Equal((MySqlCapabilities)0x1D_81FF_F7FE, greeting.Capabilities);
        Assert.Equal(45, greeting.CharacterSet);
        Assert.Equal(MySqlServerStatus.AutoCommit, greeting.Status);
        Assert.Equal("mysql_native_password", greeting.AuthPluginName);
        Assert.False(greeting.OffersTls);
    }

    [Fact]
    public void A_refusal_before_the_handshake_is_a_server_error()
    {
        byte[] payload = [0xFF, 0x10, 0x04, .. "Too many connections"u8];

        var error = Assert.Throws<InheritedMySqlException>(() => MySqlServerGreeting.Parse(payload));

        Assert.Equal(1040, error.ErrorNumber);
        Assert.False(error.IsClientError);
    }

    // HandshakeResponse41Payload.CreateCapabilitiesPayload(server, settings, compression, charset, additional) in
    // MySqlConnector 2.6.2 writes the client flags as the first 4 bytes and MariaDB's as the last 4 of 32.
    private static MySqlCapabilities MySqlConnectorClientCapabilities(ulong server, string connectionString, bool tls)
    {
        Assembly assembly = typeof(MySqlConnection).Assembly;
        Type payloadType = assembly.GetType("MySqlConnector.Protocol.Payloads.HandshakeResponse41Payload", throwOnError: true)!;
        Type capabilitiesType = assembly.GetType("MySqlConnector.Protocol.ProtocolCapabilities", throwOnError: true)!;
        Type settingsType = assembly.GetType("MySqlConnector.Core.ConnectionSettings", throwOnError: true)!;
        Type compressionType = assembly.GetType("MySqlConnector.Core.CompressionMethod", throwOnError: true)!;
        Type characterSetType = assembly.GetType("MySqlConnector.Protocol.CharacterSet", throwOnError: true)!;
        MethodInfo create = payloadType.GetMethod("CreateCapabilitiesPayload", BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic)
            ?? throw new InvalidOperationException("MySqlConnector changed: no CreateCapabilitiesPayload.");

        object settings = Activator.CreateInstance(settingsType, BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic, null,
            [new MySqlConnectionStringBuilder(connectionString)], null)!;
        object writer = create.Invoke(null,
        [
            Enum.ToObject(capabilitiesType, server), settings, Enum.ToObject(compressionType, 0), Enum.ToObject(characterSetType, 45),
            Enum.ToObject(capabilitiesType, tls ? (ulong)MySqlCapabilities.Ssl : 0UL),
        ])!;
        object payload = writer.GetType().GetMethod("ToPayloadData", BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic)!.Invoke(writer, null)!;
        byte[] bytes = ((ReadOnlyMemory<byte>)payload.GetType().GetProperty("Memory")!.GetValue(payload)!).ToArray();
        Assert.Equal(32, bytes.Length);
        return (MySqlCapabilities)(BitConverter.ToUInt32(bytes, 0) | (ulong)BitConverter.ToUInt32(bytes, 28) << 32);
    }
}
