using Microsoft.Extensions.Configuration;

namespace ForkHost.Supervisor.Configuration;

/// <summary>One reading of <c>forkhost run</c>'s configuration, validated and split once.</summary>
/// <param name="Configuration">Everything that was read, for the app's load step and the workers' settings.</param>
internal sealed record RunSettings(ProcessSettings Process, GenerationSettings Generation, IConfiguration Configuration);
