using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace ForkHost.Supervisor.Control;

/// <summary>
/// The control protocol, version 1: over a unix stream socket, the client sends one JSON line
/// (<c>{"version":1,"command":"status"}</c>), the supervisor answers one JSON line (<see cref="ControlResponse"/>) and
/// closes. One request per connection keeps the server free of per-connection state.
/// </summary>
internal static class ControlProtocol
{
    public const int Version = 1;
    public const string StatusCommand = "status";

    /// <summary>A request is a few dozen bytes; anything near this is not a request.</summary>
    public const int MaxRequestBytes = 4096;

    /// <summary>A snapshot of 1024 workers is about 300 KiB.</summary>
    public const int MaxResponseBytes = 4 * 1024 * 1024;

    /// <summary>How long the server waits for a request line, and for its answer to be taken.</summary>
    public static readonly TimeSpan ServerIoTimeout = TimeSpan.FromSeconds(2);

    /// <summary>How long the server waits for the arbiter loop's snapshot (the loop may be busy spawning).</summary>
    public static readonly TimeSpan SnapshotTimeout = TimeSpan.FromSeconds(5);

    /// <summary>The client's limit for the whole exchange.</summary>
    public static readonly TimeSpan ClientTimeout = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Reads up to a newline (not included) or the end of the stream. Null when the peer closed without sending
    /// anything; a line longer than <paramref name="maxBytes"/> is a protocol error, so a peer cannot make us buffer more.
    /// </summary>
    public static async Task<byte[]?> ReadLineAsync(Socket socket, int maxBytes, CancellationToken cancellationToken)
    {
        var buffer = new byte[maxBytes + 1];
        int length = 0;
        while (true)
        {
            int received = await socket.ReceiveAsync(buffer.AsMemory(length), SocketFlags.None, cancellationToken);
            if (received == 0)
                return length == 0 ? null : buffer[..length];
            int newline = Array.IndexOf(buffer, (byte)'\n', length, received);
            length += received;
            if (newline >= 0)
                return buffer[..newline];
            if (length > maxBytes)
                throw new ControlProtocolException($"line longer than {maxBytes} bytes");
        }
    }

    public static async Task WriteLineAsync<T>(Socket socket, T value, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type, CancellationToken cancellationToken)
    {
        byte[] json = JsonSerializer.SerializeToUtf8Bytes(value, type);
        byte[] line = new byte[json.Length + 1];
        json.CopyTo(line, 0);
        line[^1] = (byte)'\n';
        int sent = 0;
        while (sent < line.Length)
            sent += await socket.SendAsync(line.AsMemory(sent), SocketFlags.None, cancellationToken);
    }

    /// <summary>Accepts exactly a version-1 status request; the exception's message tells the client what was wrong.</summary>
    public static ControlRequest ParseRequest(byte[] line)
    {
        ControlRequest? request;
        try
        {
            request = JsonSerializer.Deserialize(line, ControlJsonContext.Default.ControlRequest);
        }
        catch (JsonException e)
        {
            throw new ControlProtocolException($"malformed request ({Describe(e)}); send one JSON line: {{\"version\":{Version},\"command\":\"{StatusCommand}\"}}");
        }
        if (request is null)
            throw new ControlProtocolException("malformed request (null); send one JSON object per line");
        if (request.Version != Version)
            throw new ControlProtocolException(request.Version is null
                ? "request has no \"version\""
                : $"unsupported protocol version {request.Version}; this supervisor speaks version {Version}");
        if (request.Command != StatusCommand)
            throw new ControlProtocolException(request.Command is null
                ? "request has no \"command\""
                : $"unknown command '{Truncate(request.Command)}'; the only command is '{StatusCommand}'");
        return request;
    }

    public static ControlResponse ParseResponse(byte[] line)
    {
        try
        {
            return JsonSerializer.Deserialize(line, ControlJsonContext.Default.ControlResponse)
                ?? throw new ControlProtocolException("the supervisor answered null");
        }
        catch (JsonException e)
        {
            throw new ControlProtocolException($"the supervisor's answer is not a control response ({Describe(e)}): {Truncate(Encoding.UTF8.GetString(line))}");
        }
    }

    // The path and position say where the JSON went wrong without echoing the peer's bytes back at length.
    private static string Describe(JsonException e) =>
        e.Path is { Length: > 0 } path ? $"at {path}, byte {e.BytePositionInLine}" : $"byte {e.BytePositionInLine}";

    private static string Truncate(string text) => text.Length <= 64 ? text : text[..64] + "…";
}
