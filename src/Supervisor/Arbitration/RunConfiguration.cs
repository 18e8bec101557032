using ForkHost.Supervisor.Configuration;
using ForkHost.Supervisor.ForkSafety;

namespace ForkHost.Supervisor.Arbitration;

/// <summary>What a generation of workers runs with; a reload (SIGHUP) builds a new one.</summary>
internal sealed record RunConfiguration(ForkHostOptions Options, ServedApp App, SpawnPreparation Preparation);
