using System.Net.Sockets;

namespace ForkHost.Supervisor.Control;

/// <summary>The client end of the control protocol: connect, one request line, one response line.</summary>
internal static class ControlClient
{
    /// <returns>The response and the line it came in, which <c>forkhost status --json</c> prints unchanged.</returns>
    /// <exception cref="ControlUnavailableException">Nothing listens at <paramref name="path"/>, or this user may not connect.</exception>
    /// <exception cref="ControlProtocolException">The answer is not a control response.</exception>
    /// <exception cref="TimeoutException">No answer within <paramref name="timeout"/>.</exception>
    public static async Task<(ControlResponse Response, byte[] Line)> RequestAsync(string path, ControlRequest request, TimeSpan timeout)
    {
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        using var cancellation = new CancellationTokenSource(timeout);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(path), cancellation.Token);
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.AccessDenied)
        {
            throw new ControlUnavailableException($"permission denied on {path}: the control socket is only for the user running the supervisor (and root).");
        }
        catch (SocketException)
        {
            // ENOENT, ECONNREFUSED (a stale file), ENOTSOCK: all mean no supervisor is there.
            throw new ControlUnavailableException($"no supervisor is listening on {path}; is it running? pass --control-socket");
        }

        try
        {
            try
            {
                await ControlProtocol.WriteLineAsync(socket, request, ControlJsonContext.Default.ControlRequest, cancellation.Token);
            }
            catch (SocketException)
            {
                // A refused peer is answered and cut off before its request is read: the answer is already here.
            }
            byte[] line = await ControlProtocol.ReadLineAsync(socket, ControlProtocol.MaxResponseBytes, cancellation.Token)
                ?? throw new ControlProtocolException($"the supervisor on {path} closed the connection without answering");
            return (ControlProtocol.ParseResponse(line), line);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"the supervisor on {path} did not answer within {timeout.TotalSeconds:0} s");
        }
        catch (SocketException e)
        {
            throw new ControlProtocolException($"the connection to {path} failed: {e.Message}");
        }
    }
}
