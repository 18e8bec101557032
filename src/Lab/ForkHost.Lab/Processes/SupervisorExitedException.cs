namespace ForkHost.Lab.Processes;

/// <summary>A <see cref="SupervisorProcess"/> exited, and closed its output, before what was waited for appeared.</summary>
internal sealed class SupervisorExitedException(int exitCode, string message) : InvalidOperationException(message)
{
    public int ExitCode { get; } = exitCode;
}
