using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using ForkHost.Supervisor.Configuration;

namespace ForkHost.Supervisor.Workers;

/// <summary>
/// The stack capture this build can have. Under the JIT, <see cref="DiagnosticsStackCapture"/> (the worker's runtime
/// writes a dump, ClrMD reads it). A NativeAOT build has none: ClrMD reads only a JIT runtime's dump (through the DAC
/// that ships with it), and a NativeAOT worker has no createdump beside it. The guard is a constant false there, so
/// the compiler leaves ClrMD and the diagnostics client out of the executable altogether.
/// </summary>
internal static class WorkerStackCaptures
{
    public const string UnavailableInNativeAot =
        "a NativeAOT build cannot read a worker's stacks (ClrMD reads only the JIT runtime's dumps); run ForkHost under the JIT for them";

    /// <summary>Whether stacks and dumps can be taken: false in a NativeAOT build.</summary>
    [FeatureGuard(typeof(RequiresDynamicCodeAttribute))]
    public static bool IsSupported => RuntimeFeature.IsDynamicCodeSupported;

    public static IWorkerStackCapture For(WorkerDiagnosticsMode mode) =>
        IsSupported ? new DiagnosticsStackCapture(mode) : new UnavailableStackCapture(UnavailableInNativeAot);
}
