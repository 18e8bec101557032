using ForkHost.Tests.Infrastructure;

namespace ForkHost.Tests.Supervision;

internal static class Requests
{
    /// <summary>
    /// True once some worker reports a request in flight. Heartbeats carry the count, but tests read the kernel instead:
    /// an established connection on a worker means the request was accepted.
    /// </summary>
    public static bool InFlightSeenBy(SupervisorProcess forkhost) =>
        forkhost.WorkerPids().Any(pid => File.ReadAllLines($"/proc/{pid}/net/tcp").Skip(1)
            .Any(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries) is [_, _, _, "01", .. var rest]
                && ProcessTable.SocketInodes(pid).Contains(long.Parse(rest[5], System.Globalization.CultureInfo.InvariantCulture))));
}
