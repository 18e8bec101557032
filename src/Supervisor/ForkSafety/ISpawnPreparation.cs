namespace ForkHost.Supervisor.ForkSafety;

/// <summary>What runs in the supervisor right before it spawns workers; see <see cref="SpawnPreparation"/>.</summary>
internal interface ISpawnPreparation
{
    /// <summary>Prepares the spawn of <paramref name="slots"/> for <paramref name="generation"/>, together.</summary>
    Task<SpawnPlan> PrepareAsync(IReadOnlyList<int> slots, int generation);
}
