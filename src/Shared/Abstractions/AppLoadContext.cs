using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace ForkHost;

/// <summary>What the app's load step sees, in the supervisor.</summary>
public sealed class AppLoadContext(IConfiguration configuration, ILogger logger)
{
    /// <summary>ForkHost's configuration (appsettings.json, FORKHOST_* variables, command line); workers see the same values.</summary>
    public IConfiguration Configuration { get; } = configuration;

    /// <summary>The supervisor's logger, under the app's name.</summary>
    public ILogger Logger { get; } = logger;

    /// <summary>
    /// Values to hand to every worker, read there through <see cref="WorkerContext.LoadedProperties"/>: what fork(2) would
    /// have copied in memory, made explicit. Handles are never copied this way.
    /// </summary>
    public IDictionary<string, string> Properties { get; } = new Dictionary<string, string>(StringComparer.Ordinal);
}
