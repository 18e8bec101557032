using ForkHost.Descriptors;

namespace ForkHost.Tests.Infrastructure;

/// <summary>A descriptor table a test sets by hand, for a <see cref="DescriptorBudget"/> to count instead of /proc/self/fd.</summary>
internal sealed class FakeDescriptorTable
{
    /// <summary>What the next count finds open; null makes it fail, as it does when the table is full.</summary>
    public int? Open { get; set; }

    /// <summary>The soft limit; null for unlimited.</summary>
    public int? Limit { get; set; }

    /// <summary>How many more descriptors one connection accounts for: what the owner reports as open connections.</summary>
    public int Connections { get; set; }

    public DescriptorCount Count() => new(Open, Limit);

    public DescriptorBudget CreateBudget(TimeProvider time) => new(Count, () => Connections, time);
}
