using System.Globalization;

namespace ForkHost.Tests.Infrastructure;

/// <summary>What the kernel says about processes and their sockets, read from /proc: the ground truth tests check against.</summary>
internal static class ProcessTable
{
    public static IReadOnlyList<int> ChildrenOf(int parentPid)
    {
        var children = new List<int>();
        foreach (string directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), out int pid))
                continue;
            if (TryReadStat(pid, out int parent, out char state) && parent == parentPid && state != 'Z')
                children.Add(pid);
        }
        return children;
    }

    /// <summary>True while the process exists and is not a zombie.</summary>
    public static bool IsAlive(int pid) => TryReadStat(pid, out _, out char state) && state != 'Z';

    public static string CommandLine(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ').Trim();
        }
        catch (IOException)
        {
            return "";
        }
    }

    /// <summary>The kernel's name for the process (/proc/PID/comm, what ps and top show), which a program may set itself; "" once it is gone.</summary>
    public static string CommandName(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/comm").TrimEnd('\n');
        }
        catch (IOException)
        {
            return "";
        }
    }

    /// <summary>
    /// True once every thread of the process is stopped: SIGSTOP takes effect a moment after kill(2) returns, and until
    /// then a thread may still open or close descriptors.
    /// </summary>
    public static bool IsStopped(int pid)
    {
        string[] tasks;
        try
        {
            tasks = Directory.GetDirectories($"/proc/{pid}/task");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
        return tasks.Length > 0 && tasks.All(task => TryReadStat(Path.Combine(task, "stat"), out _, out char state) && state == 'T');
    }

    private static bool TryReadStat(int pid, out int parent, out char state) => TryReadStat($"/proc/{pid}/stat", out parent, out state);

    private static bool TryReadStat(string path, out int parent, out char state)
    {
        parent = 0;
        state = '?';
        string stat;
        try
        {
            stat = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
        // The command name is in parentheses and may contain spaces: parse after the last ')'.
        string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        state = fields[0][0];
        parent = int.Parse(fields[1], CultureInfo.InvariantCulture);
        return true;
    }

    /// <summary>Socket inodes the process holds open (from the socket:[inode] links in /proc/PID/fd).</summary>
    public static HashSet<long> SocketInodes(int pid)
    {
        var inodes = new HashSet<long>();
        foreach (string fd in SafeEnumerate($"/proc/{pid}/fd"))
        {
            string? target = SafeReadLink(fd);
            if (target is not null && target.StartsWith("socket:[", StringComparison.Ordinal))
                inodes.Add(long.Parse(target[8..^1], CultureInfo.InvariantCulture));
        }
        return inodes;
    }

    /// <summary>The descriptor numbers the process holds open (the entries of /proc/PID/fd).</summary>
    public static IReadOnlySet<int> Descriptors(int pid) =>
        SafeEnumerate($"/proc/{pid}/fd").Select(fd => int.Parse(Path.GetFileName(fd), CultureInfo.InvariantCulture)).ToHashSet();

    /// <summary>The number the process's next new descriptor gets: the lowest one it does not hold.</summary>
    public static int LowestFreeDescriptor(int pid)
    {
        IReadOnlySet<int> open = Descriptors(pid);
        int fd = 0;
        while (open.Contains(fd))
            fd++;
        return fd;
    }

    /// <summary>Inodes of the TCP sockets in LISTEN state on <paramref name="port"/>, machine-wide.</summary>
    public static IReadOnlyList<long> ListeningInodes(int port) =>
        TcpSockets(port, Listen).Select(fields => long.Parse(fields[9], CultureInfo.InvariantCulture)).ToList();

    /// <summary>Inodes of the accepted connections on local <paramref name="port"/> (ESTABLISHED), machine-wide, whoever holds them.</summary>
    public static IReadOnlyList<long> EstablishedInodes(int port) =>
        TcpSockets(port, Established).Select(fields => long.Parse(fields[9], CultureInfo.InvariantCulture)).ToList();

    /// <summary>Connections waiting in the backlogs of the listening sockets on <paramref name="port"/>, not accepted yet.</summary>
    public static int AcceptQueueLength(int port) =>
        // For a listening socket, the rx_queue column is the length of its accept queue.
        TcpSockets(port, Listen).Sum(fields => int.Parse(fields[4][(fields[4].IndexOf(':') + 1)..], NumberStyles.HexNumber, CultureInfo.InvariantCulture));

    private const string Established = "01";
    private const string Listen = "0A";

    /// <summary>The /proc/net/tcp and tcp6 lines, split into fields, of the sockets on local <paramref name="port"/> in <paramref name="state"/>.</summary>
    private static IEnumerable<string[]> TcpSockets(int port, string state)
    {
        foreach (string table in new[] { "/proc/net/tcp", "/proc/net/tcp6" })
        {
            foreach (string line in File.ReadLines(table).Skip(1))
            {
                string[] fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                int localPort = int.Parse(fields[1][(fields[1].IndexOf(':') + 1)..], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
                if (localPort == port && fields[3] == state)
                    yield return fields;
            }
        }
    }

    private static IEnumerable<string> SafeEnumerate(string directory)
    {
        try
        {
            return Directory.GetFiles(directory);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }

    private static string? SafeReadLink(string path)
    {
        try
        {
            return new FileInfo(path).LinkTarget;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
