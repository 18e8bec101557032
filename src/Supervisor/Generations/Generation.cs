using ForkHost.Supervisor.Configuration;
using ForkHost.Supervisor.ForkSafety;

namespace ForkHost.Supervisor.Generations;

/// <summary>
/// One generation of workers: these settings, this loaded app, this spawn preparation. The first is loaded at start;
/// each SIGHUP loads the next (<see cref="GenerationLoader"/>) while the current one keeps serving, and the arbiter
/// switches to it whole. Workers are spawned for the arbiter's current generation and remember their own.
/// </summary>
internal sealed class Generation(int number, GenerationSettings settings, ServedApp app, ISpawnPreparation preparation)
{
    public int Number { get; } = number;

    public GenerationSettings Settings { get; } = settings;

    /// <summary>The app as its load step left it.</summary>
    public ServedApp App { get; } = app;

    /// <summary>Before-spawn hook, pool disposal, fork-safety audit: what runs before this generation's workers start.</summary>
    public ISpawnPreparation Preparation { get; } = preparation;

    public override string ToString() => $"generation {Number}";
}
