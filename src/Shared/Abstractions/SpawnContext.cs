using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace ForkHost;

/// <summary>What the before-spawn hook sees, in the supervisor, right before a worker is started.</summary>
public sealed class SpawnContext(int workerId, int generation, IConfiguration configuration, ILogger logger)
{
    /// <summary>The slot the worker will fill, from 1.</summary>
    public int WorkerId { get; } = workerId;

    /// <summary>The generation the worker belongs to; each reload starts a new one.</summary>
    public int Generation { get; } = generation;

    /// <summary>ForkHost's configuration, as the generation's load step saw it.</summary>
    public IConfiguration Configuration { get; } = configuration;

    /// <summary>The supervisor's logger, under the app's name.</summary>
    public ILogger Logger { get; } = logger;
}
