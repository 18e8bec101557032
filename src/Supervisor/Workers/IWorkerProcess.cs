using ForkHost.Channel;
using ForkHost.Supervisor.Listeners;

namespace ForkHost.Supervisor.Workers;

/// <summary>A started worker process and its end of the channel: what a <see cref="WorkerHandle"/> drives.</summary>
internal interface IWorkerProcess
{
    int Pid { get; }

    /// <summary>The exit code once the process has exited (128 + N for death by signal N), else null.</summary>
    int? ExitCode { get; }

    /// <summary>The worker as --balance dispatch deals connections to it; null for a process without a channel (tests).</summary>
    DispatchTarget? DispatchTarget { get; }

    /// <summary>Best effort: a worker that has already gone cannot be told anything.</summary>
    bool TrySend(ChannelMessage message);

    /// <summary>Sends a signal, unless the process has already been reaped (its pid may be someone else's by now).</summary>
    void Signal(int signal);

    /// <summary>After the exit: stops reading and frees the channel's descriptor.</summary>
    void Release();
}
