using ForkHost.Supervisor.Resources;
using System.Globalization;

namespace ForkHost.Lab.Demo.Traps.Memory;

/// <summary>
/// A throwaway memory cgroup with a limit, below this process's own memory cgroup (so that every limit above still
/// applies and nothing lands in another's tree): v1's memory controller where it is mounted, else a v2 child where
/// the own v2 cgroup is delegated (writable, with the memory controller enabled for children). Processes go in
/// through <see cref="Wrapper"/>, which moves itself in before it execs the supervisor; disposal moves stragglers
/// out and removes the directory.
/// </summary>
internal sealed class MemoryCgroup : IDisposable
{
    private readonly string _parent;
    private readonly bool _v2;

    private MemoryCgroup(string directory, string parent, bool v2)
    {
        Directory = directory;
        _parent = parent;
        _v2 = v2;
    }

    public string Directory { get; }

    /// <summary>For <see cref="TrapRun.Start"/>: sh moves itself into the cgroup, then execs the rest of its arguments.</summary>
    public IReadOnlyList<string> Wrapper => ["/bin/sh", "-c", $"echo $$ > '{Path.Combine(Directory, "cgroup.procs")}' && exec \"$@\"", "sh"];

    /// <summary>Where a new memory cgroup can go, or why none can: the reason the scenario is skipped.</summary>
    public static (string? Parent, bool V2, string? Reason) FindParent()
    {
        if (Interop.Libc.GetEffectiveUserId() != 0)
            return (null, false, "not root: creating a memory cgroup needs root");
        // The supervisor's own reader of /proc/self/cgroup and /proc/self/mountinfo: the cgroup it would find a limit in.
        var cgroups = CgroupHierarchy.Read();
        if (cgroups.V1Mount("memory") is { } v1Mount)
        {
            string parent = cgroups.V1Directory("memory") is { } own && System.IO.Directory.Exists(own) ? own : v1Mount;
            return Writable(parent) ? (parent, false, null) : (null, false, $"the v1 memory controller at {parent} is not writable");
        }
        if (cgroups.V2Directory is { } v2)
        {
            string controllers = ReadOrEmpty(Path.Combine(v2, "cgroup.subtree_control"));
            if (!controllers.Split(' ').Contains("memory"))
                return (null, true, $"the own v2 cgroup {v2} does not delegate the memory controller (cgroup.subtree_control: '{controllers.Trim()}')");
            return Writable(v2) ? (v2, true, null) : (null, true, $"the own v2 cgroup {v2} is not writable");
        }
        return (null, false, "no memory cgroup controller is mounted");
    }

    public static MemoryCgroup Create(long limitBytes)
    {
        (string? parent, bool v2, string? reason) = FindParent();
        if (parent is null)
            throw new InvalidOperationException(reason);
        string directory = Path.Combine(parent, $"forkhost-demo-memory-{Environment.ProcessId}-{Guid.NewGuid():N}"[..40]);
        System.IO.Directory.CreateDirectory(directory);
        var cgroup = new MemoryCgroup(directory, parent, v2);
        string limit = limitBytes.ToString(CultureInfo.InvariantCulture);
        if (v2)
        {
            File.WriteAllText(Path.Combine(directory, "memory.max"), limit);
            // No swap: past the limit the OOM killer acts, as in a container without swap.
            TryWrite(Path.Combine(directory, "memory.swap.max"), "0");
        }
        else
        {
            File.WriteAllText(Path.Combine(directory, "memory.limit_in_bytes"), limit);
            TryWrite(Path.Combine(directory, "memory.memsw.limit_in_bytes"), limit);
        }
        return cgroup;
    }

    /// <summary>The OOM killer's kills in this cgroup so far.</summary>
    public long OomKills()
    {
        string file = Path.Combine(Directory, _v2 ? "memory.events" : "memory.oom_control");
        return CgroupHierarchy.ReadKeyed(file, "oom_kill") ?? 0;
    }

    /// <summary>Waits for the supervisor's processes to leave (they were stopped before), moves any left to the parent, removes the cgroup.</summary>
    public void Dispose()
    {
        DateTime deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            string[] pids = ReadOrEmpty(Path.Combine(Directory, "cgroup.procs")).Split('\n', StringSplitOptions.RemoveEmptyEntries);
            if (pids.Length == 0 && TryRemove())
                return;
            if (DateTime.UtcNow > deadline)
            {
                foreach (string pid in pids)
                    TryWrite(Path.Combine(_parent, "cgroup.procs"), pid);
                TryRemove();
                return;
            }
            Thread.Sleep(100);
        }
    }

    private bool TryRemove()
    {
        try
        {
            System.IO.Directory.Delete(Directory);
            return true;
        }
        catch (IOException)
        {
            return false;
        }
    }

    private static bool Writable(string directory) =>
        Interop.Libc.AccessAt(Interop.Libc.AT_FDCWD, directory, Interop.Libc.W_OK, Interop.Libc.AT_EACCESS) == 0
        && File.Exists(Path.Combine(directory, "cgroup.procs"));

    private static string ReadOrEmpty(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return "";
        }
    }

    private static void TryWrite(string path, string value)
    {
        try
        {
            File.WriteAllText(path, value);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }
}
