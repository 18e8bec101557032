namespace ForkHost.Supervisor.Workers;

/// <summary>Starts worker processes. The real one is <see cref="ProcessWorkerLauncher"/>; the arbiter's in-process tests use a fake.</summary>
internal interface IWorkerLauncher
{
    /// <summary>Starts a worker and sends it <paramref name="boot"/>; from then on everything it does reaches <paramref name="events"/>.</summary>
    /// <exception cref="WorkerLaunchException">The process could not be started.</exception>
    Task<IWorkerProcess> LaunchAsync(WorkerBoot boot, IWorkerEvents events);
}
