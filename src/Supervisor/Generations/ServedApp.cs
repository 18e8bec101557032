using Microsoft.Extensions.Configuration;

namespace ForkHost.Supervisor.Generations;

/// <summary>The app as loaded in the supervisor, with what every worker's hello carries about it.</summary>
/// <param name="Settings">The configuration, flattened, so the app sees in each worker what it saw at load.</param>
/// <param name="LoadedProperties">What the load step handed to the workers (<see cref="AppLoadContext.Properties"/>).</param>
internal sealed record ServedApp(
    IForkHostApp App,
    Type Type,
    string AssemblyPath,
    IConfiguration Configuration,
    IReadOnlyDictionary<string, string?> Settings,
    IReadOnlyDictionary<string, string> LoadedProperties);
