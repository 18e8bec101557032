namespace ForkHost.Supervisor.Resources;

/// <summary>
/// How many processes the kernel's OOM killer has ended: in this process's memory cgroup (v2 memory.events
/// "oom_kill", counting its descendants; v1 memory.oom_control "oom_kill", kernel 4.13 on) or, where no cgroup counter
/// can be read, on the whole machine (/proc/vmstat "oom_kill"). A worker dead of SIGKILL while the counter rose was
/// the OOM killer's victim, not an operator's kill -9: each kill the counter shows is blamed on one such exit.
/// </summary>
internal sealed class OomKillCounter
{
    private readonly CgroupHierarchy _cgroups;
    private long? _seen;
    private long _unattributed;

    private OomKillCounter(CgroupHierarchy cgroups)
    {
        _cgroups = cgroups;
        // Kills before the supervisor started are not its workers'.
        _seen = Read();
    }

    public static OomKillCounter StartingNow(CgroupHierarchy cgroups) => new(cgroups);

    /// <summary>
    /// For a worker that died of SIGKILL: true when the counter shows an OOM kill not yet blamed on another exit
    /// (two workers killed in one OOM are both told apart from an operator's kill).
    /// </summary>
    public bool ExplainsSigkill()
    {
        long? now = Read();
        if (now is long n && _seen is long seen)
            _unattributed += Math.Max(0, n - seen);
        _seen = now ?? _seen;
        if (_unattributed == 0)
            return false;
        _unattributed--;
        return true;
    }

    /// <summary>The cgroup's counters (v2 and v1 both, on a hybrid host), else the machine's; null when none can be read.</summary>
    public long? Read()
    {
        long? cgroup = null;
        if (_cgroups.V2Directory is { } v2 && CgroupHierarchy.ReadKeyed(Path.Combine(v2, "memory.events"), "oom_kill") is long v2Kills)
            cgroup = v2Kills;
        if (_cgroups.V1Directory("memory") is { } v1 && CgroupHierarchy.ReadKeyed(Path.Combine(v1, "memory.oom_control"), "oom_kill") is long v1Kills)
            cgroup = (cgroup ?? 0) + v1Kills;
        return cgroup ?? CgroupHierarchy.ReadKeyed(Path.Combine(_cgroups.Root, "proc/vmstat"), "oom_kill");
    }
}
