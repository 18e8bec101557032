using Microsoft.Extensions.Configuration;

namespace ForkHost;

/// <summary>What the app sees in a worker.</summary>
public sealed class WorkerContext(
    int workerId,
    int generation,
    int supervisorPid,
    IConfiguration configuration,
    IReadOnlyDictionary<string, string> loadedProperties,
    IReadOnlyList<InheritedConnection> inheritedConnections)
{
    /// <summary>The worker's slot, from 1; a replacement worker keeps its predecessor's slot.</summary>
    public int WorkerId { get; } = workerId;

    /// <summary>The generation the worker belongs to: 1 at start, one more with each reload (SIGHUP).</summary>
    public int Generation { get; } = generation;

    /// <summary>The process id of the supervisor that spawned this worker.</summary>
    public int SupervisorPid { get; } = supervisorPid;

    /// <summary>The supervisor's configuration, as the load step saw it.</summary>
    public IConfiguration Configuration { get; } = configuration;

    /// <summary>What the load step put in <see cref="AppLoadContext.Properties"/>.</summary>
    public IReadOnlyDictionary<string, string> LoadedProperties { get; } = loadedProperties;

    /// <summary>
    /// Sockets other than listeners that the supervisor held when it spawned this worker; empty unless the
    /// supervisor runs with <c>--inherit fork</c>.
    /// </summary>
    public IReadOnlyList<InheritedConnection> InheritedConnections { get; } = inheritedConnections;
}
