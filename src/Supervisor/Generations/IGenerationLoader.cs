namespace ForkHost.Supervisor.Generations;

/// <summary>Loads the next generation for a SIGHUP. Runs off the arbiter loop; the loop hears the result as an event.</summary>
internal interface IGenerationLoader
{
    /// <summary>Reads the configuration again, loads the app and runs its load step; never throws for bad input or a failing app.</summary>
    Task<GenerationLoadResult> ReloadAsync(int number, CancellationToken cancellationToken);
}
