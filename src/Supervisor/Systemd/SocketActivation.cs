using System.Globalization;
using ForkHost.Supervisor.Listeners;

namespace ForkHost.Supervisor.Systemd;

/// <summary>
/// sd_listen_fds(3): listening sockets handed in by systemd (or systemd-socket-activate) as descriptors 3, 4, …
/// when LISTEN_PID is this process. They replace --bind. The variables are removed so workers do not see them.
/// </summary>
internal static class SocketActivation
{
    private const int FirstDescriptor = 3;

    /// <summary>How a socket systemd handed in is named: "systemd:" and its FileDescriptorName=.</summary>
    public const string BindPrefix = "systemd:";

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
        try
        {
            for (int i = 0; i < count; i++)
            {
                int fd = FirstDescriptor + i;
                string name = i < names.Length && names[i].Length > 0 ? names[i] : $"fd{fd}";
                listeners.Add(InheritedListener.Adopt(fd, BindPrefix + name, "socket activation", fromSocketActivation: true));
            }
        }
        catch
        {
            foreach (Listener listener in listeners)
                listener.Dispose();
            throw;
        }
        return listeners;
    }
}
