namespace ForkHost.Worker.Placement;

/// <summary>
/// The kernel's half of exactly-once placement: a lock that at most one process on the machine holds, whichever
/// supervisor started it, and that dies with its holder. The supervisor's lease says which worker should run the
/// placed services; the fence makes sure a second one cannot, while the first (a worker being stopped, or an old
/// supervisor's worker during an upgrade) still does.
/// </summary>
internal interface IPlacementFence
{
    /// <summary>What the lock is, for the log ("flock on /var/lib/app/placement-App.lock").</summary>
    string Description { get; }

    /// <summary>Takes the lock without waiting.</summary>
    /// <returns>The held lock, released by disposing it (or by the process's exit); null while another process holds it.</returns>
    IDisposable? TryAcquire();
}
