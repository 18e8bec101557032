using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace ForkHost.Supervisor.Systemd;

/// <summary>
/// sd_notify(3) for <c>Type=notify</c> services: READY=1 once every worker is ready, RELOADING=1 (with
/// MONOTONIC_USEC) during a reload, STOPPING=1 on shutdown, STATUS= with worker counts, MAINPID=, and WATCHDOG=1
/// from the arbiter loop when WATCHDOG_USEC asks for it. Without NOTIFY_SOCKET every call does nothing.
/// </summary>
internal sealed class SystemdNotifier : IDisposable
{
    private readonly Socket? _socket;
    private readonly UnixDomainSocketEndPoint? _endPoint;
    private readonly long _watchdogIntervalMilliseconds;
    private long? _lastWatchdog;

    private SystemdNotifier(string? notifySocket, long watchdogMicroseconds)
    {
        SocketPath = string.IsNullOrEmpty(notifySocket) ? null : notifySocket;
        if (string.IsNullOrEmpty(notifySocket))
            return;
        // '@' names a socket in the abstract namespace, which .NET writes with a leading NUL.
        _endPoint = new UnixDomainSocketEndPoint(notifySocket[0] == '@' ? "\0" + notifySocket[1..] : notifySocket);
        _socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        // Half the interval, as sd_watchdog_enabled(3) recommends.
        _watchdogIntervalMilliseconds = watchdogMicroseconds / 2000;
    }

    public bool Enabled => _socket is not null;

    /// <summary>NOTIFY_SOCKET as it was, for a successor supervisor (SIGUSR2) to notify in our place.</summary>
    public string? SocketPath { get; }

    /// <summary>
    /// Reads NOTIFY_SOCKET and WATCHDOG_USEC/WATCHDOG_PID, then removes them (and the socket-activation variables)
    /// from the environment: they are the supervisor's, and workers inherit the environment.
    /// </summary>
    public static SystemdNotifier FromEnvironment()
    {
        string? socket = Environment.GetEnvironmentVariable("NOTIFY_SOCKET");
        long watchdog = 0;
        if (long.TryParse(Environment.GetEnvironmentVariable("WATCHDOG_USEC"), NumberStyles.None, CultureInfo.InvariantCulture, out long usec)
            && (!int.TryParse(Environment.GetEnvironmentVariable("WATCHDOG_PID"), out int pid) || pid == Environment.ProcessId))
            watchdog = usec;
        foreach (string name in (string[])["NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID"])
            Environment.SetEnvironmentVariable(name, null);
        return new SystemdNotifier(socket, watchdog);
    }

    public void Ready(string status) =>
        Send($"READY=1\nSTATUS={status}\nMAINPID={Environment.ProcessId.ToString(CultureInfo.InvariantCulture)}");

    public void Reloading(string status) =>
        Send($"RELOADING=1\nMONOTONIC_USEC={MonotonicMicroseconds().ToString(CultureInfo.InvariantCulture)}\nSTATUS={status}");

    public void Stopping(string status) => Send($"STOPPING=1\nSTATUS={status}");

    public void Status(string status) => Send($"STATUS={status}");

    /// <summary>Called from every turn of the arbiter loop: a hung loop stops the pings, and systemd restarts us.</summary>
    public void WatchdogTick(long nowMilliseconds)
    {
        if (_watchdogIntervalMilliseconds <= 0 || nowMilliseconds - _lastWatchdog < _watchdogIntervalMilliseconds)
            return;
        _lastWatchdog = nowMilliseconds;
        Send("WATCHDOG=1");
    }

    private void Send(string message)
    {
        if (_socket is null)
            return;
        try
        {
            _socket.SendTo(Encoding.UTF8.GetBytes(message), _endPoint!);
        }
        catch (SocketException)
        {
            // systemd going away is not ours to handle; the next message may get through.
        }
    }

    /// <summary>CLOCK_MONOTONIC in microseconds: the Stopwatch clock on Linux.</summary>
    private static long MonotonicMicroseconds() => (long)(Stopwatch.GetTimestamp() / (Stopwatch.Frequency / 1_000_000.0));

    public void Dispose() => _socket?.Dispose();
}
