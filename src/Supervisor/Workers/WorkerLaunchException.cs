namespace ForkHost.Supervisor.Workers;

/// <summary>A worker process could not be started (executable missing, fork refused: EAGAIN, ENOMEM).</summary>
internal sealed class WorkerLaunchException(string message, Exception? inner = null) : Exception(message, inner);
