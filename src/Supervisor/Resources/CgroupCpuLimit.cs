namespace ForkHost.Supervisor.Resources;

/// <summary>
/// Whether this process's CPU time is capped by a cgroup quota, on it or an ancestor: v2 cpu.max other than
/// "max …", v1 cpu.cfs_quota_us other than -1. The runtime's Environment.ProcessorCount follows such a quota;
/// without one it is the node's core count, which is what --workers defaults to.
/// </summary>
internal static class CgroupCpuLimit
{
    public static bool Exists(CgroupHierarchy cgroups)
    {
        if (cgroups.V2Directory is { } v2 && cgroups.V2Mount is { } v2Mount
            && CgroupHierarchy.SelfAndAncestors(v2, v2Mount).Any(d => CgroupHierarchy.ReadFirstLine(Path.Combine(d, "cpu.max")) is { } max && !max.StartsWith("max", StringComparison.Ordinal)))
            return true;
        return cgroups.V1Directory("cpu") is { } v1 && cgroups.V1Mount("cpu") is { } v1Mount
            && CgroupHierarchy.SelfAndAncestors(v1, v1Mount).Any(d => CgroupHierarchy.ReadFirstLine(Path.Combine(d, "cpu.cfs_quota_us")) is { } quota && quota != "-1");
    }
}
