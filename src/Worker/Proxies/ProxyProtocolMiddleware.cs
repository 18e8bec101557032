using System.Buffers;
using System.IO.Pipelines;
using ForkHost.Logging;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;

namespace ForkHost.Worker.Proxies;

/// <summary>
/// Kestrel connection middleware for a bind that asks for the PROXY protocol (<c>--bind …?proxy-protocol</c>): reads
/// the header before anything else (before TLS, on an https bind), makes its client address the connection's
/// <see cref="BaseConnectionContext.RemoteEndPoint"/> (so <c>HttpContext.Connection</c>, the access log and the app
/// see the client, not the balancer), and hands the rest of the stream on. A connection without a valid header within
/// <see cref="HeaderTimeout"/> is closed, with one log line every 5 s at most, and nothing else is affected.
/// </summary>
internal sealed partial class ProxyProtocolMiddleware(ConnectionDelegate next, ILogger logger)
{
    /// <summary>HAProxy sends the header with the connection's first bytes; a client that sends nothing is not a proxy.</summary>
    public static readonly TimeSpan HeaderTimeout = TimeSpan.FromSeconds(5);

    private readonly LogThrottle _rejections = new(TimeSpan.FromSeconds(5));

    public async Task OnConnectionAsync(ConnectionContext connection)
    {
        PipeReader input = connection.Transport.Input;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(connection.ConnectionClosed);
        timeout.CancelAfter(HeaderTimeout);
        while (true)
        {
            ReadResult result;
            try
            {
                result = await input.ReadAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                Reject(connection, $"no PROXY protocol header within {HeaderTimeout.TotalSeconds:0} s");
                return;
            }
            ReadOnlySequence<byte> buffer = result.Buffer;
            switch (ProxyProtocolHeader.TryParse(buffer, out ProxyProtocolHeader header, out string? error))
            {
                case ProxyHeaderStatus.Parsed:
                    input.AdvanceTo(buffer.GetPosition(header.Length));
                    if (header.Source is { } source)
                    {
                        connection.RemoteEndPoint = source;
                        connection.LocalEndPoint = header.Destination;
                    }
                    await next(connection);
                    return;
                case ProxyHeaderStatus.Invalid:
                    input.AdvanceTo(buffer.End);
                    Reject(connection, error!);
                    return;
                default:
                    if (result.IsCompleted)
                    {
                        input.AdvanceTo(buffer.End);
                        Reject(connection, "the connection ended inside its PROXY protocol header");
                        return;
                    }
                    input.AdvanceTo(buffer.Start, buffer.End);
                    break;
            }
        }
    }

    private void Reject(ConnectionContext connection, string reason)
    {
        if (_rejections.ShouldLog(out int suppressed))
            LogRejected(logger, connection.RemoteEndPoint?.ToString() ?? "?", reason, suppressed);
        connection.Abort(new ConnectionAbortedException(reason));
    }

    [LoggerMessage(EventId = EventIds.WorkerProxyHeaderRejected, Level = LogLevel.Warning,
        Message = "Closed a connection from {Peer} on a PROXY-protocol bind: {Reason} ({Suppressed} more since the last such line)")]
    private static partial void LogRejected(ILogger logger, string peer, string reason, int suppressed);
}
