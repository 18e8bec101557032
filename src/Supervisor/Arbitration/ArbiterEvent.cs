using System.Runtime.InteropServices;
using ForkHost.Channel;
using ForkHost.Supervisor.Workers;

namespace ForkHost.Supervisor.Arbitration;

/// <summary>Everything that wakes the arbiter loop. Producers (signal handlers, reader threads, exit callbacks) only enqueue.</summary>
internal abstract record ArbiterEvent
{
    public sealed record Tick : ArbiterEvent;
    public sealed record SignalReceived(PosixSignal Signal) : ArbiterEvent;
    public sealed record MessageReceived(WorkerProcess Worker, ReceivedMessage Received) : ArbiterEvent;
    public sealed record ChannelEnded(WorkerProcess Worker, Exception Reason) : ArbiterEvent;
    public sealed record WorkerExited(WorkerProcess Worker) : ArbiterEvent;
    public sealed record SuccessorExited(System.Diagnostics.Process Process) : ArbiterEvent;
    public sealed record StatusRequested(TaskCompletionSource<Control.StatusSnapshot> Reply) : ArbiterEvent;
}
