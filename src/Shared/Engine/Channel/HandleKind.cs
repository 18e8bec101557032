namespace ForkHost.Channel;

internal enum HandleKind
{
    /// <summary>A listening socket the supervisor bound; the worker serves HTTP on it.</summary>
    Listener = 1,
    /// <summary>Any other socket the supervisor held at spawn time (--inherit fork), passed as fork(2) would.</summary>
    InheritedConnection = 2,
    /// <summary>
    /// An address the worker serves without a descriptor (--balance dispatch): the supervisor accepts on it and sends
    /// each connection in a Connection message.
    /// </summary>
    DispatchedListener = 3,
}
