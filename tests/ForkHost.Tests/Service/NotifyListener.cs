using System.Net.Sockets;
using System.Text;

namespace ForkHost.Tests.Service;

/// <summary>Plays systemd's side of sd_notify: a datagram socket whose path goes in NOTIFY_SOCKET.</summary>
internal sealed class NotifyListener : IDisposable
{
    private readonly Socket _socket = new(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
    private readonly List<string> _messages = [];
    private readonly Task _reader;

    public NotifyListener()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"forkhost-notify-{Guid.NewGuid():N}.sock");
        _socket.Bind(new UnixDomainSocketEndPoint(Path));
        _reader = Task.Run(async () =>
        {
            var buffer = new byte[4096];
            while (true)
            {
                int read;
                try
                {
                    read = await _socket.ReceiveAsync(buffer);
                }
                catch (Exception e) when (e is SocketException or ObjectDisposedException)
                {
                    return;
                }
                lock (_messages)
                    _messages.Add(Encoding.UTF8.GetString(buffer, 0, read));
            }
        });
    }

    public string Path { get; }

    public IReadOnlyList<string> Messages
    {
        get
        {
            lock (_messages)
                return _messages.ToList();
        }
    }

    public void Dispose()
    {
        _socket.Dispose();
        File.Delete(Path);
    }
}
