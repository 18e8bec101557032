using ForkHost.Lab.Demo.Traps.Background;
using ForkHost.Lab.Demo.Traps.KeyRing;
using ForkHost.Lab.Demo.Traps.State;
using ForkHost.Lab.Demo.Traps.Memory;

namespace ForkHost.Lab.Demo.Traps;

/// <summary>Every trap scenario, in the demo's order; each trap is a broken half (a) and a fixed half (b).</summary>
internal static class TrapCatalog
{
    public static IReadOnlyList<TrapScenario> All { get; } =
    [
        new KeyRingScenario(isFixed: false),
        new KeyRingScenario(isFixed: true),
        new BackgroundScenario(isFixed: false),
        new BackgroundScenario(isFixed: true),
        new StateScenario(isFixed: false),
        new StateScenario(isFixed: true),
        new MemoryScenario(isFixed: false),
        new MemoryScenario(isFixed: true),
    ];
}
