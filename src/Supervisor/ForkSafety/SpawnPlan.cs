using ForkHost.Channel;

namespace ForkHost.Supervisor.ForkSafety;

/// <summary>A descriptor the worker receives besides the listeners, and what the worker is told about it.</summary>
internal sealed record InheritedHandle(HandleDescription Description, int Descriptor);

/// <summary>The outcome of preparing one spawn: go ahead (with any inherited handles), or halt with a reason.</summary>
internal sealed record SpawnPlan(IReadOnlyList<InheritedHandle> InheritedHandles, int? HaltExitCode = null, string? HaltReason = null)
{
    public static SpawnPlan Refuse(int exitCode, string reason) => new([], exitCode, reason);
}
