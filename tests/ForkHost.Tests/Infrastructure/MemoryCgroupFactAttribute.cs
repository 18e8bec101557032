using ForkHost.Lab.Demo.Traps.Memory;

namespace ForkHost.Tests.Infrastructure;

/// <summary>
/// A fact that needs a memory cgroup of its own (root, and a writable v1 memory controller or a delegated v2 cgroup);
/// skipped elsewhere, the reason naming what is missing. xunit 2 decides skips at discovery, hence an attribute.
/// </summary>
public sealed class MemoryCgroupFactAttribute : FactAttribute
{
    public MemoryCgroupFactAttribute()
    {
        if (MemoryCgroup.FindParent().Reason is { } reason)
            Skip = $"needs a memory cgroup it can create: {reason}";
    }
}
