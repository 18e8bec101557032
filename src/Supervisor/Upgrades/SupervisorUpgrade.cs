using System.Diagnostics;
using System.Globalization;
using ForkHost.Supervisor.Listeners;
using ForkHost.Supervisor.Configuration;
using ForkHost.Supervisor.Processes;
using ForkHost.Supervisor.Systemd;

namespace ForkHost.Supervisor.Upgrades;

/// <summary>
/// SIGUSR2, as in Unicorn and gunicorn: the running supervisor starts a successor — the binary now on disk, with the
/// same command line — that inherits the listening sockets. The successor loads the app, spawns its workers, and once
/// they are all ready sends SIGTERM to its predecessor, which drains and exits. Connections queue in the shared
/// backlog the whole time; if the successor fails, the predecessor keeps serving.
/// </summary>
internal static class SupervisorUpgrade
{
    private const string ListenersVariable = "FORKHOST_UPGRADE_LISTENERS";
    private const string PredecessorVariable = "FORKHOST_UPGRADE_FROM";
    private const string FleetListenerVariable = "FORKHOST_UPGRADE_METRICS";

    /// <summary>In the predecessor: starts the successor with the listeners inheritable under their numbers.</summary>
    /// <param name="fleetListener">
    /// The --metrics-bind socket, passed like the listeners (as Unicorn passes every socket), so the port stays open
    /// and bound to one socket across the upgrade: the successor could not bind it while this supervisor holds it.
    /// </param>
    public static Task<Process> StartSuccessorAsync(IReadOnlyList<Listener> listeners, Listener? fleetListener, string? notifySocket)
    {
        string executable = Environment.ProcessPath ?? throw new InvalidOperationException("The supervisor's own executable is unknown.");
        string[] commandLine = Environment.GetCommandLineArgs();
        // Under "dotnet forkhost.dll …" the first argument is the dll, which the host needs again; an apphost needs only the rest.
        IEnumerable<string> arguments = Path.GetFileNameWithoutExtension(executable) == "dotnet" ? commandLine : commandLine.Skip(1);

        var startInfo = new ProcessStartInfo(executable) { UseShellExecute = false };
        foreach (string argument in arguments)
            startInfo.ArgumentList.Add(argument);
        // One "FD=NAME" line per listener: the successor describes each socket from the socket itself, and the name
        // ("systemd:http", "127.0.0.1:8000") tells it which ones systemd owns.
        startInfo.Environment[ListenersVariable] = string.Join('\n',
            listeners.Select(l => $"{l.Descriptor.ToString(CultureInfo.InvariantCulture)}={l.Bind.Text}"));
        startInfo.Environment[PredecessorVariable] = Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
        if (fleetListener is not null)
            startInfo.Environment[FleetListenerVariable] = $"{fleetListener.Descriptor.ToString(CultureInfo.InvariantCulture)}={fleetListener.Bind.Text}";
        if (notifySocket is not null)
            startInfo.Environment["NOTIFY_SOCKET"] = notifySocket;
        var inherited = listeners.Select(l => l.Descriptor).ToList();
        if (fleetListener is not null)
            inherited.Add(fleetListener.Descriptor);
        return SpawnThread.Instance.StartAsync(startInfo, () => new InheritableDescriptors(inherited));
    }

    /// <summary>
    /// In the successor: the --metrics-bind socket the predecessor passed, if it is still the address asked for; null on
    /// a normal start, or when --metrics-bind changed or was removed (the inherited socket is closed, and the new
    /// address is bound as on a normal start).
    /// </summary>
    public static Listener? TakeFleetListener(string? metricsBind)
    {
        string? entry = Environment.GetEnvironmentVariable(FleetListenerVariable);
        Environment.SetEnvironmentVariable(FleetListenerVariable, null);
        if (string.IsNullOrEmpty(entry))
            return null;
        int equals = entry.IndexOf('=');
        if (equals <= 0 || !int.TryParse(entry.AsSpan(0, equals), NumberStyles.None, CultureInfo.InvariantCulture, out int fd))
            throw new UsageException($"{FleetListenerVariable}: '{entry}' is not FD=NAME; it is set by a supervisor on SIGUSR2, not by hand.");
        string name = entry[(equals + 1)..];
        Listener listener = InheritedListener.Adopt(fd, name, "upgrade (SIGUSR2)", fromSocketActivation: false);
        if (name == metricsBind)
            return listener;
        listener.Dispose();
        return null;
    }

    /// <summary>In the successor: the predecessor's pid, to send SIGTERM once all workers are ready; null on a normal start.</summary>
    public static int? TakePredecessor()
    {
        string? text = Environment.GetEnvironmentVariable(PredecessorVariable);
        Environment.SetEnvironmentVariable(PredecessorVariable, null);
        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int pid) ? pid : null;
    }

    /// <summary>In the successor: the listening sockets the predecessor passed, or null on a normal start.</summary>
    public static IReadOnlyList<Listener>? TakeListeners()
    {
        string? text = Environment.GetEnvironmentVariable(ListenersVariable);
        Environment.SetEnvironmentVariable(ListenersVariable, null);
        if (string.IsNullOrEmpty(text))
            return null;

        var listeners = new List<Listener>();
        try
        {
            foreach (string entry in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                int equals = entry.IndexOf('=');
                if (equals <= 0 || !int.TryParse(entry.AsSpan(0, equals), NumberStyles.None, CultureInfo.InvariantCulture, out int fd))
                    throw new UsageException($"{ListenersVariable}: '{entry}' is not FD=NAME; it is set by a supervisor on SIGUSR2, not by hand.");
                string name = entry[(equals + 1)..];
                listeners.Add(InheritedListener.Adopt(fd, name, "upgrade (SIGUSR2)",
                    fromSocketActivation: name.StartsWith(SocketActivation.BindPrefix, StringComparison.Ordinal)));
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
