using System.Globalization;

namespace ForkHost.Supervisor.Resources;

/// <summary>
/// The memory limit this process lives under: the lowest of its cgroup's and every ancestor's, in the v2 hierarchy
/// (memory.max, "max" for none) and the v1 memory controller's (memory.limit_in_bytes, where "none" is a huge
/// page-aligned number near 2^63). Null when there is none: no cgroup, no memory controller, or no limit set.
/// </summary>
internal static class CgroupMemoryLimit
{
    /// <summary>v1 writes "no limit" as PAGE_COUNTER_MAX pages (9223372036854771712 with 4 KiB pages); anything this
    /// large (an exbibyte) is no limit whatever the page size.</summary>
    private const long V1Unlimited = 1L << 60;

    public static long? Read(CgroupHierarchy cgroups)
    {
        long? lowest = null;
        if (cgroups.V2Directory is { } v2 && cgroups.V2Mount is { } v2Mount)
        {
            foreach (string directory in CgroupHierarchy.SelfAndAncestors(v2, v2Mount))
                lowest = Lower(lowest, Parse(CgroupHierarchy.ReadFirstLine(Path.Combine(directory, "memory.max"))));
        }
        if (cgroups.V1Directory("memory") is { } v1 && cgroups.V1Mount("memory") is { } v1Mount)
        {
            foreach (string directory in CgroupHierarchy.SelfAndAncestors(v1, v1Mount))
                lowest = Lower(lowest, Parse(CgroupHierarchy.ReadFirstLine(Path.Combine(directory, "memory.limit_in_bytes"))));
        }
        return lowest;
    }

    private static long? Parse(string? text) =>
        text is not null && long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out long bytes) && bytes is > 0 and < V1Unlimited
            ? bytes
            : null;

    private static long? Lower(long? a, long? b) => a is null ? b : b is null ? a : Math.Min(a.Value, b.Value);
}
