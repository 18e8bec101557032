using ForkHost.Supervisor.Configuration;
using Microsoft.Extensions.Configuration;

namespace ForkHost.Supervisor.Arbitration;

/// <summary>The app as loaded in the supervisor, with what every worker's hello carries about it.</summary>
internal sealed record ServedApp(
    IForkHostApp App,
    Type Type,
    string AssemblyPath,
    IConfiguration Configuration,
    IReadOnlyDictionary<string, string?> Settings,
    IReadOnlyDictionary<string, string> LoadedProperties,
    WorkerIdentity? WorkerIdentity = null);
