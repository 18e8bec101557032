using ForkHost.Supervisor.Configuration;

namespace ForkHost.Supervisor.Listeners;

/// <summary>
/// The listening sockets each worker slot serves on. Shared and dispatch modes: every slot gets the same sockets (in
/// dispatch mode only their addresses: the supervisor accepts). ReusePort mode:
/// each TCP address gets one SO_REUSEPORT socket per slot, bound to the same port; the supervisor holds them all, so
/// connections the kernel routes to a slot wait in its backlog while that slot's worker restarts or reloads.
/// A slot's sockets are closed only when the slot itself goes (TTOU); connections queued on them at that moment are
/// reset unless net.ipv4.tcp_migrate_req=1 moves them to the group's other sockets.
/// </summary>
internal sealed class SlotListeners : IDisposable
{
    private readonly IReadOnlyList<Listener> _primary;
    private readonly Dictionary<int, List<Listener>> _extraBySlot = [];
    private readonly int _backlog;

    public SlotListeners(IReadOnlyList<Listener> primary, BalanceMode mode, int backlog)
    {
        _primary = primary;
        _backlog = backlog;
        Mode = mode;
    }

    public BalanceMode Mode { get; }

    /// <summary>The sockets bound at start: what the supervisor reports, and slot 1's.</summary>
    public IReadOnlyList<Listener> Primary => _primary;

    public IReadOnlyList<Listener> ForSlot(int slot)
    {
        if (Mode != BalanceMode.ReusePort || slot == 1)
            return _primary;
        if (!_extraBySlot.TryGetValue(slot, out List<Listener>? extra))
            _extraBySlot[slot] = extra = _primary.Select(l => l.TcpEndPoint is null ? null : BindSibling(l)).OfType<Listener>().ToList();
        return [.. _primary.Where(l => l.TcpEndPoint is null), .. extra];
    }

    /// <summary>
    /// Every socket held, each with the slot it belongs to in reuseport mode (the primary ones are slot 1's), or null
    /// where one socket serves every slot.
    /// </summary>
    public IEnumerable<(int? Slot, Listener Listener)> All()
    {
        bool perSlot = Mode == BalanceMode.ReusePort;
        foreach (Listener listener in _primary)
            yield return (perSlot && listener.TcpEndPoint is not null ? 1 : null, listener);
        foreach ((int slot, List<Listener> extra) in _extraBySlot.OrderBy(pair => pair.Key))
        {
            foreach (Listener listener in extra)
                yield return (slot, listener);
        }
    }

    /// <summary>Closes the sockets of a slot above the wanted count, once its worker has gone.</summary>
    public void Retire(int slot)
    {
        if (_extraBySlot.Remove(slot, out List<Listener>? extra))
        {
            foreach (Listener listener in extra)
                listener.Dispose();
        }
    }

    private Listener BindSibling(Listener primary) =>
        new(primary.Bind, TcpListeningSocket.Listen(primary.TcpEndPoint!, _backlog, PortSharing.JoinGroup), primary.Address);

    /// <summary>Closes the per-slot siblings; the primary sockets belong to whoever bound them.</summary>
    public void Dispose()
    {
        foreach (Listener listener in _extraBySlot.Values.SelectMany(l => l))
            listener.Dispose();
        _extraBySlot.Clear();
    }
}
