using System.Net.Sockets;

namespace ForkHost.Supervisor.Control;

/// <summary>The client end of the control protocol: connect, one request line, one response line.</summary>
internal static class ControlClient
{
    /// <returns>The response and the line it came in, which <c>forkhost status --json</c> prints unchanged.</returns>
    /// <exception cref="ControlUnavailableException">Nothing listens at <paramref name="path"/>, or this user may not connect.</exception>
    /// <exception cref="ControlProtocolException">The answer is not a control response.</exception>
    /// <exception cref="TimeoutException">No answer within <paramref name="timeout"/> (connecting included: a full accept queue is waited out).</exception>
    public static async Task<(ControlResponse Response, byte[] Line)> RequestAsync(string path, ControlRequest request, TimeSpan timeout)
    {
        using var cancellation = new CancellationTokenSource(timeout);
        using Socket socket = await ConnectAsync(path, cancellation.Token);

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

    /// <summary>
    /// Connects, retrying while the server's accept queue is full: a unix socket refuses connect(2) with EAGAIN then,
    /// which means "busy" (a flood of connections, say), not "nobody there".
    /// </summary>
    private static async Task<Socket> ConnectAsync(string path, CancellationToken cancellationToken)
    {
        while (true)
        {
            var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            try
            {
                await socket.ConnectAsync(new UnixDomainSocketEndPoint(path), cancellationToken);
                return socket;
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.WouldBlock)
            {
                socket.Dispose();
                try
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(10), cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    throw new TimeoutException($"the supervisor on {path} accepted no connection in time: its connection queue stayed full");
                }
            }
            catch (OperationCanceledException)
            {
                socket.Dispose();
                throw new TimeoutException($"the supervisor on {path} accepted no connection in time");
            }
            catch (SocketException e)
            {
                socket.Dispose();
                throw Unavailable(path, e);
            }
        }
    }

    private static ControlUnavailableException Unavailable(string path, SocketException e) =>
        e.SocketErrorCode == SocketError.AccessDenied
            ? new ControlUnavailableException($"permission denied on {path}: the control socket is only for the user running the supervisor (and root).")
            // ENOENT, ECONNREFUSED (a stale file), ENOTSOCK: all mean no supervisor is there.
            : new ControlUnavailableException($"no supervisor is listening on {path}; is it running? pass --control-socket");
}
