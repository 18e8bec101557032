using System.Net.Sockets;
using System.Text;

namespace ForkHost.Tests.Infrastructure;

/// <summary>
/// One TCP connection that a test writes HTTP/1.1 to byte by byte if it likes, and reads raw answers from: for what
/// HttpClient will not do (hold a connection idle, send a header a byte at a time, tell a close from a reset).
/// </summary>
internal sealed class RawHttpConnection : IDisposable
{
    private readonly TcpClient _client;
    private readonly NetworkStream _stream;
    private readonly byte[] _buffer = new byte[64 * 1024];

    private RawHttpConnection(TcpClient client)
    {
        _client = client;
        _stream = client.GetStream();
    }

    public static async Task<RawHttpConnection> OpenAsync(Uri address)
    {
        var client = new TcpClient { NoDelay = true };
        await client.ConnectAsync(address.Host, address.Port);
        return new RawHttpConnection(client);
    }

    public Task WriteAsync(string text) => _stream.WriteAsync(Encoding.ASCII.GetBytes(text)).AsTask();

    /// <summary>Sends a GET (keep-alive) and returns the status code and body of its answer.</summary>
    public async Task<(int Status, string Body)> GetAsync(string target, TimeSpan? timeout = null)
    {
        await WriteAsync($"GET {target} HTTP/1.1\r\nHost: test\r\n\r\n");
        return await ReadResponseAsync(timeout ?? TimeSpan.FromSeconds(20));
    }

    /// <summary>Reads one response with a Content-Length body (Kestrel sends one for these small answers).</summary>
    public async Task<(int Status, string Body)> ReadResponseAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        var received = new StringBuilder();
        while (true)
        {
            string text = received.ToString();
            int end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
            if (end >= 0)
            {
                string head = text[..end];
                int status = int.Parse(head.Split(' ')[1]);
                string? lengthLine = head.Split("\r\n").FirstOrDefault(l => l.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase));
                int length = lengthLine is null ? 0 : int.Parse(lengthLine["Content-Length:".Length..].Trim());
                if (text.Length - end - 4 >= length)
                    return (status, text.Substring(end + 4, length));
            }
            int read = await _stream.ReadAsync(_buffer, cancel.Token);
            if (read == 0)
                throw new IOException($"the server closed the connection after {received.Length} bytes of a response");
            received.Append(Encoding.ASCII.GetString(_buffer, 0, read));
        }
    }

    /// <summary>Waits until the server closes the connection (end of stream or a reset); false if it is still open at the timeout.</summary>
    public async Task<bool> WaitForCloseAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            while (await _stream.ReadAsync(_buffer, cancel.Token) > 0)
            {
                // An answer (408, say) may come first: the close is what counts.
            }
            return true;
        }
        catch (IOException)
        {
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    public void Dispose()
    {
        _stream.Dispose();
        _client.Dispose();
    }
}
