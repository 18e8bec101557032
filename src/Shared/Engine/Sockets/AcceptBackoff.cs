namespace ForkHost.Sockets;

/// <summary>
/// How long an accept loop pauses after a passing shortage (no descriptor for one more connection): doubling from
/// <see cref="Initial"/> up to <see cref="Maximum"/>, back to the start after the first success. Retrying at once
/// would spin a core on a failing accept(2) while the kernel keeps the clients in the backlog anyway; pausing for long
/// would leave them there after descriptors are free again. One instance per loop; not thread-safe.
/// </summary>
internal sealed class AcceptBackoff
{
    public static readonly TimeSpan Initial = TimeSpan.FromMilliseconds(10);
    public static readonly TimeSpan Maximum = TimeSpan.FromSeconds(1);

    private TimeSpan _next = Initial;

    /// <summary>The pause to take now; the one after it is twice as long, up to the maximum.</summary>
    public TimeSpan Next()
    {
        TimeSpan delay = _next;
        _next = TimeSpan.FromTicks(Math.Min(_next.Ticks * 2, Maximum.Ticks));
        return delay;
    }

    public void Reset() => _next = Initial;
}
