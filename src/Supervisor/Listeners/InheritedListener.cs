using System.Net;
using System.Net.Sockets;
using ForkHost.Channel;
using ForkHost.Supervisor.Configuration;

namespace ForkHost.Supervisor.Listeners;

/// <summary>
/// Adopts a listening socket this process found open at exec under a known descriptor number: handed in by systemd
/// (<see cref="Systemd.SocketActivation"/>) or by the supervisor this one succeeds (<see cref="Upgrades.SupervisorUpgrade"/>).
/// Both are adopted the same way, and described from the socket itself rather than from what the sender said.
/// </summary>
internal static class InheritedListener
{
    /// <param name="name">How the listener is named in messages and in a later handover: "systemd:http", "127.0.0.1:8000".</param>
    /// <param name="source">Who handed it in, for error messages: "socket activation".</param>
    /// <param name="fromSocketActivation">systemd's socket: its unix socket file, if any, is systemd's to remove.</param>
    public static Listener Adopt(int fd, string name, string source, bool fromSocketActivation)
    {
        Socket socket;
        try
        {
            // Ours now, and close-on-exec like everything else: a worker gets it through its channel, not by accident.
            FileDescriptors.SetCloseOnExec(fd, true);
            socket = new Socket(new SafeSocketHandle(fd, ownsHandle: true));
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or SocketException)
        {
            throw new UsageException($"{source}: descriptor {fd} ({name}) is not an open socket: {e.Message}.");
        }

        if (socket.SocketType != SocketType.Stream || !IsListening(socket))
        {
            socket.Dispose();
            throw new UsageException($"{source}: descriptor {fd} ({name}) is not a listening stream socket; ForkHost serves HTTP on TCP or unix stream sockets it accepts on (with systemd: Accept=no).");
        }

        ListenerSettings settings;
        try
        {
            settings = SettingsOf(name);
        }
        catch (UsageException)
        {
            socket.Dispose();
            throw;
        }
        EndPoint? local = socket.LocalEndPoint;
        BindAddress bind = local switch
        {
            IPEndPoint ip => new BindAddress(name, ip, null),
            UnixDomainSocketEndPoint unix => new BindAddress(name, null, unix.ToString()),
            _ => new BindAddress(name, null, null),
        } with { Settings = settings };
        return new Listener(bind, socket, local is null ? name : Listener.DescribeAddress(local, settings.Tls), fromSocketActivation);
    }

    /// <summary>
    /// How the socket is served: from systemd's FileDescriptorName= ("systemd:https", <see cref="BindAddress.SettingsOfSocketName"/>),
    /// or, from a USR2 predecessor, from the --bind it was bound for (the same command line, parsed the same way).
    /// </summary>
    private static ListenerSettings SettingsOf(string name)
    {
        if (!name.StartsWith(Systemd.SocketActivation.BindPrefix, StringComparison.Ordinal))
            return BindAddress.Parse(name).Settings;
        string socketName = name[Systemd.SocketActivation.BindPrefix.Length..];
        return BindAddress.SettingsOfSocketName(socketName);
    }

    private static bool IsListening(Socket socket)
    {
        Span<byte> value = stackalloc byte[sizeof(int)];
        return socket.GetRawSocketOption(Interop.SocketOptions.SOL_SOCKET, Interop.SocketOptions.SO_ACCEPTCONN, value) == sizeof(int)
            && BitConverter.ToInt32(value) != 0;
    }
}
