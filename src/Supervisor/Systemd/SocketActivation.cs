using System.Globalization;
using System.Net;
using System.Net.Sockets;
using ForkHost.Supervisor.Configuration;
using ForkHost.Supervisor.Listeners;

namespace ForkHost.Supervisor.Systemd;

/// <summary>
/// sd_listen_fds(3): listening sockets handed in by systemd (or systemd-socket-activate) as descriptors 3, 4, …
/// when LISTEN_PID is this process. They replace --bind. The variables are removed so workers do not see them.
/// </summary>
internal static class SocketActivation
{
    private const int FirstDescriptor = 3;

    /// <returns>The inherited listeners, or null when the supervisor was not socket-activated.</returns>
    public static IReadOnlyList<Listener>? TakeListeners()
    {
        string? pidText = Environment.GetEnvironmentVariable("LISTEN_PID");
        string? countText = Environment.GetEnvironmentVariable("LISTEN_FDS");
        string[] names = (Environment.GetEnvironmentVariable("LISTEN_FDNAMES") ?? "").Split(':');
        foreach (string name in (string[])["LISTEN_PID", "LISTEN_FDS", "LISTEN_FDNAMES"])
            Environment.SetEnvironmentVariable(name, null);

        if (!int.TryParse(pidText, NumberStyles.None, CultureInfo.InvariantCulture, out int pid) || pid != Environment.ProcessId
            || !int.TryParse(countText, NumberStyles.None, CultureInfo.InvariantCulture, out int count) || count <= 0)
            return null;

        var listeners = new List<Listener>();
        for (int i = 0; i < count; i++)
        {
            int fd = FirstDescriptor + i;
            // Ours now, and close-on-exec like everything else: a worker gets it through the channel, not by accident.
            Channel.FileDescriptors.SetCloseOnExec(fd, true);
            var socket = new Socket(new SafeSocketHandle(fd, ownsHandle: true));
            if (socket.SocketType != SocketType.Stream)
                throw new UsageException($"socket activation: descriptor {fd} is not a stream socket; ForkHost serves HTTP over TCP or unix stream sockets.");
            string name = i < names.Length && names[i].Length > 0 ? names[i] : $"fd{fd}";
            listeners.Add(Describe(socket, name));
        }
        return listeners;
    }

    private static Listener Describe(Socket socket, string name)
    {
        switch (socket.LocalEndPoint)
        {
            case IPEndPoint ip:
                string host = ip.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{ip.Address}]" : ip.Address.ToString();
                return new Listener(new BindAddress($"systemd:{name}", ip, null), socket, $"http://{host}:{ip.Port}", fromSocketActivation: true);
            case UnixDomainSocketEndPoint unix:
                string path = unix.ToString();
                return new Listener(new BindAddress($"systemd:{name}", null, path), socket, $"unix:{path}", fromSocketActivation: true);
            default:
                return new Listener(new BindAddress($"systemd:{name}", null, null), socket, $"systemd:{name}", fromSocketActivation: true);
        }
    }
}
