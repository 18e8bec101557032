using Microsoft.Extensions.Hosting;

namespace ForkHost.Worker;

/// <summary>
/// Replaces the console lifetime: the worker reacts to signals and to the supervisor's Stop message itself
/// (<see cref="SupervisorLink"/>), so nothing else may start a stop of its own.
/// </summary>
internal sealed class WorkerLifetime : IHostLifetime
{
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
