namespace ForkHost;

/// <summary>
/// A connected socket the worker received from the supervisor, the way a forked child finds its parent's sockets.
/// The worker owns its copy of the descriptor, but the session on it is shared with every other holder.
/// </summary>
public sealed class InheritedConnection(
    int descriptor,
    string localEndPoint,
    string remoteEndPoint,
    string? service,
    IReadOnlyDictionary<string, string> properties)
{
    /// <summary>The worker's descriptor number for the socket.</summary>
    public int Descriptor { get; } = descriptor;

    /// <summary>The socket's local address, as <c>host:port</c>.</summary>
    public string LocalEndPoint { get; } = localEndPoint;

    /// <summary>The peer's address, as <c>host:port</c>.</summary>
    public string RemoteEndPoint { get; } = remoteEndPoint;

    /// <summary>What the supervisor recognised the peer as ("mysql"), or null.</summary>
    public string? Service { get; } = service;

    /// <summary>Protocol facts about the session the supervisor could establish (for MySQL, the negotiated capabilities).</summary>
    public IReadOnlyDictionary<string, string> Properties { get; } = properties;

    /// <inheritdoc/>
    public override string ToString() => $"{LocalEndPoint} -> {RemoteEndPoint}{(Service is null ? "" : $" ({Service})")}";
}
