using System.Threading.Channels;
using ForkHost.Channel;
using ForkHost.Supervisor.Workers;

namespace ForkHost.Supervisor.Arbitration;

/// <summary>
/// Turns what one worker does into arbiter events. It exists before the worker's handle does (the launcher needs it
/// to start the process); the loop sets <see cref="Worker"/> before it reads any event, because it is the loop that
/// awaits the launch.
/// </summary>
internal sealed class WorkerEventSink(ChannelWriter<ArbiterEvent> events) : IWorkerEvents
{
    public WorkerHandle? Worker { get; set; }

    public void MessageReceived(ReceivedMessage received) => events.TryWrite(new ArbiterEvent.MessageReceived(this, received));

    public void ChannelEnded(Exception reason) => events.TryWrite(new ArbiterEvent.ChannelEnded(this, reason));

    public void Exited() => events.TryWrite(new ArbiterEvent.WorkerExited(this));
}
