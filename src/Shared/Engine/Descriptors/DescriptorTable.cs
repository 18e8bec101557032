namespace ForkHost.Descriptors;

/// <summary>
/// How full this process's descriptor table is: the open descriptors (from /proc/self/fd) against the soft
/// RLIMIT_NOFILE. Counting needs a descriptor of its own for the directory, so it fails when the table is full; that
/// is reported as null, never thrown, since the callers are exactly the code paths that run at the limit.
/// </summary>
internal static class DescriptorTable
{
    private const string OpenDescriptorsDirectory = "/proc/self/fd";

    /// <summary>The soft limit; null when unlimited or unreadable. Read each time: prlimit(1) can change it from outside.</summary>
    public static unsafe int? Limit()
    {
        Interop.Libc.ResourceLimit limit;
        if (Interop.Libc.GetRLimit(Interop.Libc.RLIMIT_NOFILE, &limit) != 0 || limit.Current == Interop.Libc.RLIM_INFINITY)
            return null;
        return (int)Math.Min(limit.Current, int.MaxValue);
    }

    /// <summary>Open descriptors, not counting the one the count itself used; null when the directory cannot be read.</summary>
    public static int? CountOpen()
    {
        try
        {
            int entries = 0;
            // Names only: readdir without a stat per entry, about 20 µs for a worker's ~200 descriptors.
            foreach (string _ in Directory.EnumerateFileSystemEntries(OpenDescriptorsDirectory))
                entries++;
            return Math.Max(0, entries - 1);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // EMFILE is an IOException here: the table is full.
            return null;
        }
    }

    /// <summary>This process's table now: the open descriptors first, then the limit.</summary>
    public static DescriptorCount Count() => new(CountOpen(), Limit());

    /// <summary>
    /// The accept(2) and recvmsg(2) failures that mean "no descriptor or buffer for one more connection right now"
    /// (EMFILE, ENFILE, ENOBUFS, ENOMEM), as .NET maps them: they pass when descriptors are freed, so the caller
    /// pauses and tries again instead of giving up.
    /// </summary>
    public static bool IsShortage(System.Net.Sockets.SocketError error) =>
        error is System.Net.Sockets.SocketError.TooManyOpenSockets or System.Net.Sockets.SocketError.NoBufferSpaceAvailable;
}
