using System.Runtime.InteropServices;
using ForkHost.Channel;
using ForkHost.Supervisor.Generations;

namespace ForkHost.Supervisor.Arbitration;

/// <summary>Everything that wakes the arbiter loop. Producers (signal handlers, reader threads, exit callbacks, the loader) only enqueue.</summary>
internal abstract record ArbiterEvent
{
    public sealed record Tick : ArbiterEvent;
    public sealed record SignalReceived(PosixSignal Signal) : ArbiterEvent;
    public sealed record MessageReceived(WorkerEventSink Source, ReceivedMessage Received) : ArbiterEvent;
    public sealed record ChannelEnded(WorkerEventSink Source, Exception Reason) : ArbiterEvent;
    public sealed record WorkerExited(WorkerEventSink Source) : ArbiterEvent;
    public sealed record GenerationLoaded(GenerationLoadResult Result) : ArbiterEvent;
    public sealed record SuccessorExited(System.Diagnostics.Process Process) : ArbiterEvent;
    public sealed record StatusRequested(TaskCompletionSource<Control.StatusSnapshot> Reply) : ArbiterEvent;
}
