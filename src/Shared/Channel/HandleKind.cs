namespace ForkHost.Channel;

internal enum HandleKind
{
    /// <summary>A listening socket the supervisor bound; the worker serves HTTP on it.</summary>
    Listener = 1,
    /// <summary>Any other socket the supervisor held at spawn time (--inherit fork), passed as fork(2) would.</summary>
    InheritedConnection = 2,
}
