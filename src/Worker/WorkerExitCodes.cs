namespace ForkHost.Worker;

/// <summary>How a worker process ends; the supervisor reads these and the README documents them.</summary>
internal static class WorkerExitCodes
{
    public const int Stopped = 0;
    /// <summary>Started by hand, without a channel from a supervisor.</summary>
    public const int NotStartedBySupervisor = 2;
    /// <summary>Refused to boot: another build than the supervisor's (bad input, as a usage error).</summary>
    public const int WrongBuild = 2;
    /// <summary>The app could not be loaded or configured, or Kestrel could not serve on the listeners.</summary>
    public const int BootFailed = 3;
    /// <summary>The supervisor sent something the channel protocol does not allow.</summary>
    public const int ProtocolError = 4;
    /// <summary>The supervisor was already gone when the worker started.</summary>
    public const int Orphaned = 5;
    /// <summary>--fork-safety strict: the app's services keep state that loses data with N workers; it never served.</summary>
    public const int StateRefused = 6;
}
