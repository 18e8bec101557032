namespace ForkHost.Supervisor.Workers;

/// <summary>A deadline a worker has missed (<see cref="WorkerHandle.Overdue"/>).</summary>
internal enum WorkerDeadline
{
    None,
    /// <summary>Not ready within --boot-timeout.</summary>
    Boot,
    /// <summary>No heartbeat within --timeout.</summary>
    Heartbeat,
    /// <summary>Told to stop, still there at its kill deadline.</summary>
    Stop,
}
