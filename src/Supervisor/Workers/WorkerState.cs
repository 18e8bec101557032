namespace ForkHost.Supervisor.Workers;

internal enum WorkerState
{
    /// <summary>Spawned; has not reported ready yet.</summary>
    Booting,
    /// <summary>Serving requests and heartbeating.</summary>
    Ready,
    /// <summary>Told to stop (or killed); its slot may already have a replacement.</summary>
    Stopping,
}
