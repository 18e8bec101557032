using ForkHost.Channel;

namespace ForkHost.Supervisor.Workers;

/// <summary>What the arbiter hears from one worker. Called from reader threads and exit callbacks: implementations only enqueue.</summary>
internal interface IWorkerEvents
{
    void MessageReceived(ReceivedMessage received);

    /// <summary>The channel ended: end of stream (the worker is exiting) or a protocol error.</summary>
    void ChannelEnded(Exception reason);

    void Exited();
}
