namespace ForkHost.Supervisor;

/// <summary>
/// The supervisor's exit codes, documented in the README. As in gunicorn, 3 and 4 mean "do not restart me blindly":
/// the app cannot run, and a service manager restarting the supervisor would only repeat the failure.
/// </summary>
internal static class ExitCodes
{
    public const int Success = 0;
    /// <summary>An unexpected error in the supervisor itself.</summary>
    public const int Failure = 1;
    /// <summary>Bad command line or configuration (which option, what value, what to do is printed).</summary>
    public const int Usage = 2;
    /// <summary>Workers failed to boot --max-boot-failures times in a row.</summary>
    public const int WorkerBootFailed = 3;
    /// <summary>The app's load step (or its before-spawn hook) threw in the supervisor.</summary>
    public const int AppLoadFailed = 4;
    /// <summary>--fork-safety strict found a database connection open at spawn time.</summary>
    public const int ForkSafetyRefused = 5;
}
