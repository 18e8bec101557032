namespace ForkHost.Channel;

/// <param name="Kind">What the worker is to do with the descriptor.</param>
/// <param name="Address">For listeners, the address as the user would write it (http://127.0.0.1:8000, unix:/run/app.sock).</param>
/// <param name="LocalEndPoint">For connections, the local endpoint.</param>
/// <param name="RemoteEndPoint">For connections, the remote endpoint.</param>
/// <param name="Service">What the supervisor knows the remote to be ("mysql"), when it knows.</param>
/// <param name="Properties">Protocol facts the worker needs to use the connection (for example negotiated capabilities).</param>
/// <param name="Listener">For listeners (and dispatched listeners), how to serve them: TLS, HTTP versions; null is
/// <see cref="ListenerSettings.Http"/>.</param>
internal sealed record HandleDescription(
    HandleKind Kind,
    string? Address = null,
    string? LocalEndPoint = null,
    string? RemoteEndPoint = null,
    string? Service = null,
    IReadOnlyDictionary<string, string>? Properties = null,
    ListenerSettings? Listener = null);
