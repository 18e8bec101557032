using System.Globalization;

namespace ForkHost.Supervisor.Sockets;

/// <summary>
/// Lists the TCP sockets the current process holds, by joining the socket:[inode] links in /proc/self/fd with the
/// kernel's socket tables. The supervisor uses it to find connections its app opened during the load step (pooled
/// database sessions, for instance), which it can then hand to workers the way fork(2) would.
/// </summary>
internal static class TcpSocketInventory
{
    private const string DescriptorDirectory = "/proc/self/fd";
    private static readonly string[] SocketTables = ["/proc/self/net/tcp", "/proc/self/net/tcp6"];

    /// <summary>
    /// One entry per descriptor, ordered by descriptor; a socket held through several descriptors (dup) appears
    /// once for each. Descriptors opened or closed while this runs may or may not be listed.
    /// </summary>
    public static IReadOnlyList<OpenTcpSocket> List()
    {
        Dictionary<ulong, List<int>> descriptorsByInode = ReadSocketDescriptors();
        var sockets = new List<OpenTcpSocket>();
        if (descriptorsByInode.Count == 0)
            return sockets;

        foreach (string table in SocketTables)
        {
            foreach (string line in ReadLines(table))
            {
                // Inode 0 marks sockets no process holds any more (TIME_WAIT and the like).
                if (!ProcNetTcpParser.TryParseLine(line, out ProcNetTcpEntry entry) || entry.Inode == 0)
                    continue;
                if (!descriptorsByInode.TryGetValue(entry.Inode, out List<int>? descriptors))
                    continue;
                foreach (int fd in descriptors)
                    sockets.Add(new OpenTcpSocket(fd, entry.Inode, entry.Local, entry.Remote, entry.State));
            }
        }

        sockets.Sort((a, b) => a.Descriptor.CompareTo(b.Descriptor));
        return sockets;
    }

    private static Dictionary<ulong, List<int>> ReadSocketDescriptors()
    {
        var result = new Dictionary<ulong, List<int>>();
        foreach (string path in Directory.EnumerateFileSystemEntries(DescriptorDirectory))
        {
            if (!int.TryParse(Path.GetFileName(path), NumberStyles.None, CultureInfo.InvariantCulture, out int fd))
                continue;

            string? target;
            try
            {
                target = new FileInfo(path).LinkTarget;
            }
            catch (IOException)
            {
                // Closed between the listing and the readlink.
                continue;
            }

            if (TryParseSocketLink(target, out ulong inode))
            {
                if (!result.TryGetValue(inode, out List<int>? fds))
                    result[inode] = fds = [];
                fds.Add(fd);
            }
        }

        return result;
    }

    internal static bool TryParseSocketLink(string? target, out ulong inode)
    {
        inode = 0;
        const string prefix = "socket:[";
        return target is not null
            && target.StartsWith(prefix, StringComparison.Ordinal)
            && target.EndsWith(']')
            && ulong.TryParse(target.AsSpan(prefix.Length, target.Length - prefix.Length - 1), NumberStyles.None, CultureInfo.InvariantCulture, out inode);
    }

    private static IEnumerable<string> ReadLines(string path)
    {
        // tcp6 is absent when IPv6 is disabled.
        try
        {
            return File.ReadAllLines(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return [];
        }
    }
}
