namespace ForkHost.Supervisor.Resources;

/// <summary>
/// Where this process's cgroups are, in the v2 (unified) hierarchy and in each v1 controller's: the lines of
/// <c>/proc/self/cgroup</c> ("0::/path" for v2, "4:memory:/path" for v1) joined with the mount points that
/// <c>/proc/self/mountinfo</c> lists (cgroup2 file systems; cgroup ones by their controller option), never hard-coded
/// /sys/fs/cgroup paths: a hybrid host mounts v2 at /sys/fs/cgroup/unified, a container may mount anything anywhere.
/// Every path is read below <see cref="Root"/>, "/" except in tests, which build fake /proc and /sys trees.
/// </summary>
internal sealed class CgroupHierarchy
{
    private readonly Dictionary<string, string> _v1Directories;

    private CgroupHierarchy(string root, string? v2Directory, string? v2Mount, Dictionary<string, string> v1Directories, Dictionary<string, string> v1Mounts)
    {
        Root = root;
        V2Directory = v2Directory;
        V2Mount = v2Mount;
        _v1Directories = v1Directories;
        V1Mounts = v1Mounts;
    }

    public string Root { get; }

    /// <summary>This process's v2 cgroup directory, or null when no cgroup2 file system is mounted.</summary>
    public string? V2Directory { get; }

    /// <summary>The mount point of the v2 hierarchy: walking up stops here.</summary>
    public string? V2Mount { get; }

    /// <summary>Each v1 controller's mount point, by controller name.</summary>
    public IReadOnlyDictionary<string, string> V1Mounts { get; }

    /// <summary>This process's cgroup directory in a v1 controller's hierarchy ("memory", "cpu"), or null.</summary>
    public string? V1Directory(string controller) => _v1Directories.GetValueOrDefault(controller);

    /// <summary>The mount point of a v1 controller's hierarchy, or null.</summary>
    public string? V1Mount(string controller) => V1Mounts.GetValueOrDefault(controller);

    /// <summary>
    /// Reads /proc/self/cgroup and /proc/self/mountinfo below <paramref name="root"/>. Files that are missing or
    /// unreadable (not Linux, a locked-down /proc) give a hierarchy with nothing in it: no limit is known.
    /// </summary>
    public static CgroupHierarchy Read(string root = "/")
    {
        var memberships = new Dictionary<string, string>(StringComparer.Ordinal);
        string? v2Path = null;
        foreach (string line in ReadLines(Path.Combine(root, "proc/self/cgroup")))
        {
            // hierarchy-id:controller-list:path; the path itself may contain ':'.
            string[] parts = line.Split(':', 3);
            if (parts.Length != 3)
                continue;
            if (parts[0] == "0" && parts[1].Length == 0)
                v2Path = parts[2];
            else
            {
                foreach (string controller in parts[1].Split(','))
                    memberships[controller] = parts[2];
            }
        }

        string? v2Mount = null, v2MountRoot = null;
        var v1Mounts = new Dictionary<string, string>(StringComparer.Ordinal);
        var v1MountRoots = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string line in ReadLines(Path.Combine(root, "proc/self/mountinfo")))
        {
            // id parent major:minor root mount-point options [optional fields] - fstype source super-options
            string[] fields = line.Split(' ');
            int separator = Array.IndexOf(fields, "-");
            if (separator < 5 || separator + 3 >= fields.Length)
                continue;
            string mountRoot = Unescape(fields[3]);
            string mountPoint = Unescape(fields[4]);
            string type = fields[separator + 1];
            if (type == "cgroup2")
            {
                v2Mount ??= mountPoint;
                v2MountRoot ??= mountRoot;
            }
            else if (type == "cgroup")
            {
                foreach (string option in fields[separator + 3].Split(','))
                {
                    if (memberships.ContainsKey(option) && !v1Mounts.ContainsKey(option))
                    {
                        v1Mounts[option] = mountPoint;
                        v1MountRoots[option] = mountRoot;
                    }
                }
            }
        }

        var v1Directories = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach ((string controller, string mount) in v1Mounts)
            v1Directories[controller] = DirectoryOf(root, mount, v1MountRoots[controller], memberships[controller]);
        string? v2Directory = v2Mount is not null && v2Path is not null ? DirectoryOf(root, v2Mount, v2MountRoot!, v2Path) : null;
        return new CgroupHierarchy(root, v2Directory, v2Mount is null ? null : Under(root, v2Mount),
            v1Directories, v1Mounts.ToDictionary(m => m.Key, m => Under(root, m.Value), StringComparer.Ordinal));
    }

    /// <summary>
    /// The directory of cgroup <paramref name="path"/> in a hierarchy mounted at <paramref name="mountPoint"/>. A
    /// mount of a sub-tree (Docker without a cgroup namespace mounts the container's own cgroup, root
    /// "/docker/abc…", as /sys/fs/cgroup) holds the path less the mount's root; a path outside the mounted sub-tree,
    /// or not there at all, is read at the mount point itself, the closest cgroup this process can see.
    /// </summary>
    private static string DirectoryOf(string root, string mountPoint, string mountRoot, string path)
    {
        string relative = path;
        if (mountRoot != "/" && (path == mountRoot || path.StartsWith(mountRoot + "/", StringComparison.Ordinal)))
            relative = path[mountRoot.Length..];
        string mount = Under(root, mountPoint);
        string directory = Path.Combine(mount, relative.TrimStart('/'));
        return Directory.Exists(directory) ? directory.TrimEnd('/') : mount;
    }

    private static string Under(string root, string path) => Path.Combine(root, path.TrimStart('/')).TrimEnd('/');

    /// <summary>mountinfo writes a space as \040, a tab as \011, a newline as \012 and a backslash as \134.</summary>
    private static string Unescape(string field) => field.Contains('\\', StringComparison.Ordinal)
        ? field.Replace("\\040", " ", StringComparison.Ordinal).Replace("\\011", "\t", StringComparison.Ordinal)
            .Replace("\\012", "\n", StringComparison.Ordinal).Replace("\\134", "\\", StringComparison.Ordinal)
        : field;

    private static IEnumerable<string> ReadLines(string path)
    {
        try
        {
            return File.ReadAllLines(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }

    /// <summary>
    /// <paramref name="directory"/> and each parent up to and including <paramref name="mount"/>: a limit set on an
    /// ancestor (the container's, the pod's, the systemd slice's) binds this cgroup too.
    /// </summary>
    public static IEnumerable<string> SelfAndAncestors(string directory, string mount)
    {
        string? current = directory;
        while (current is not null && current.Length >= mount.Length)
        {
            yield return current;
            if (current == mount)
                yield break;
            current = Path.GetDirectoryName(current);
        }
    }

    /// <summary>The file's first line, trimmed, or null when it cannot be read.</summary>
    public static string? ReadFirstLine(string path)
    {
        try
        {
            using var reader = new StreamReader(path);
            return reader.ReadLine()?.Trim();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>The value of a "key value" line of a flat-keyed file (memory.events, memory.oom_control), or null.</summary>
    public static long? ReadKeyed(string path, string key)
    {
        foreach (string line in ReadLines(path))
        {
            string[] parts = line.Split(' ', 2);
            if (parts.Length == 2 && parts[0] == key && long.TryParse(parts[1], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out long value))
                return value;
        }
        return null;
    }
}
