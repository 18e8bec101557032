using ForkHost.Lab.MySqlWire;
using Microsoft.Extensions.Logging;
using MySqlConnector;

namespace ForkHost.Supervisor.ForkSafety;

/// <summary>
/// What a worker must know to use an inherited MySQL session: the capabilities MySqlConnector negotiated, which no
/// public API exposes. They are the server's (read from its greeting, once, on a connection of our own that is closed
/// before any spawn) intersected with what MySqlConnector asks for under the app's connection-string options.
/// </summary>
internal sealed partial class MySqlSessionFacts
{
    private readonly IReadOnlyDictionary<string, string> _properties;

    private MySqlSessionFacts(IReadOnlyDictionary<string, string> properties) => _properties = properties;

    public static MySqlSessionFacts Unknown { get; } = new(new Dictionary<string, string>());

    public static async Task<MySqlSessionFacts> ProbeAsync(string connectionString, ILogger logger)
    {
        var settings = new MySqlConnectionStringBuilder(connectionString);
        string host = settings.Server.Split(',')[0].Trim();
        try
        {
            MySqlServerGreeting greeting = await MySqlServerGreeting.ReadAsync(host, (int)settings.Port, TimeSpan.FromSeconds(5), CancellationToken.None);
            MySqlCapabilities negotiated = greeting.NegotiatedByMySqlConnector(
                withDatabase: !string.IsNullOrEmpty(settings.Database),
                useAffectedRows: settings.UseAffectedRows,
                allowLoadLocalInfile: settings.AllowLoadLocalInfile,
                interactiveSession: settings.InteractiveSession,
                useCompression: settings.UseCompression,
                sslModeNone: settings.SslMode == MySqlSslMode.None);
            LogProbed(logger, greeting.ServerVersion, (negotiated & MySqlCapabilities.Ssl) != 0 ? "TLS" : "plain TCP", negotiated.ToString());
            return new MySqlSessionFacts(greeting.DescribeForInheritance(negotiated));
        }
        catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException or TimeoutException or OperationCanceledException or InheritedMySqlException)
        {
            LogProbeFailed(logger, e.Message);
            return Unknown;
        }
    }

    public IReadOnlyDictionary<string, string> Describe(HeldConnection connection) => _properties;

    [LoggerMessage(EventId = Logging.EventIds.MySqlGreetingProbed, Level = LogLevel.Information,
        Message = "MySQL server {ServerVersion}: inherited sessions run over {Transport}, capabilities {Capabilities}")]
    private static partial void LogProbed(ILogger logger, string serverVersion, string transport, string capabilities);

    [LoggerMessage(EventId = Logging.EventIds.MySqlGreetingFailed, Level = LogLevel.Warning,
        Message = "Cannot read the MySQL server's greeting ({Error}); workers will not be able to use inherited sessions")]
    private static partial void LogProbeFailed(ILogger logger, string error);
}
