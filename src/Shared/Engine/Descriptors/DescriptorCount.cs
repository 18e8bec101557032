namespace ForkHost.Descriptors;

/// <summary>One count of a descriptor table: the open descriptors (null when the count failed: the table is full) and the soft limit (null when unlimited).</summary>
internal readonly record struct DescriptorCount(int? Open, int? Limit);
