using ForkHost.Channel;

namespace ForkHost.Supervisor.Listeners;

/// <summary>
/// A ready worker as the dispatcher sees it: its channel, and how many connections it has said it can hold. Each
/// Ready and Heartbeat message carries the worker's connection headroom (what fits before its descriptor reserve) and
/// how many Connection messages it has read; the worker can take connections up to the sum of the two, counting all
/// sent. A connection over that would arrive at a full descriptor table, where the kernel drops it (MSG_CTRUNC), so
/// the dispatcher skips a target without room as it skips one whose channel is full. Stale reports only err towards
/// less room: a connection that closed since is counted in the next one.
/// </summary>
internal sealed class DispatchTarget(ControlChannel channel)
{
    private long _sent;
    private long _sendLimit;

    public ControlChannel Channel => channel;

    /// <summary>Until the worker's Ready message, nothing: it has not said what it can take.</summary>
    public bool HasRoom => Volatile.Read(ref _sent) < Volatile.Read(ref _sendLimit);

    /// <summary>Called by the dispatcher for each connection the channel took.</summary>
    public void Sent() => Interlocked.Increment(ref _sent);

    /// <summary>Called by the worker's channel reader, before the message becomes an arbiter event.</summary>
    public void Observe(ChannelMessage message)
    {
        switch (message)
        {
            case ReadyMessage ready:
                Volatile.Write(ref _sendLimit, ready.ConnectionHeadroom);
                break;
            case HeartbeatMessage heartbeat:
                Volatile.Write(ref _sendLimit, heartbeat.ConnectionsReceived + heartbeat.ConnectionHeadroom);
                break;
        }
    }
}
