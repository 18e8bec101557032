using System.Net;

namespace ForkHost.Worker.Dispatching;

/// <summary>
/// What Kestrel binds for an address the supervisor accepts on (--balance dispatch): no socket, only the listener's
/// index, which the supervisor's Connection messages name.
/// </summary>
internal sealed class DispatchedEndPoint(int listener, string address) : EndPoint
{
    public int Listener { get; } = listener;

    public string Address { get; } = address;

    public override string ToString() => Address;
}
