namespace ForkHost.Channel;

/// <summary>
/// How a worker serves one listener, parsed once by the supervisor from its --bind (or a socket's name under socket
/// activation) and sent with it in <see cref="HandleDescription"/>, in every balance mode: the worker terminates TLS
/// itself, on a socket it accepted or on a connection the supervisor dispatched, with the generation's certificate.
/// </summary>
/// <param name="Tls">An https:// bind: TLS with the certificate in <see cref="WorkerConfiguration.Certificate"/>.</param>
/// <param name="Protocols">The HTTP versions served; on TLS negotiated by ALPN.</param>
/// <param name="ProxyProtocol">
/// The bind asked for the PROXY protocol (?proxy-protocol): a header from the load balancer before anything else on
/// each connection, read by the PROXY-protocol connection middleware ahead of TLS. The supervisor refuses such a bind
/// at start (exit 2) for as long as the worker has no such middleware, so a worker never receives it set.
/// </param>
internal sealed record ListenerSettings(bool Tls, ListenerProtocols Protocols, bool ProxyProtocol = false)
{
    /// <summary>A plain bind (HOST:PORT, unix:/path, http://…): cleartext HTTP/1.x, as before TLS existed.</summary>
    public static readonly ListenerSettings Http = new(false, ListenerProtocols.Http1);

    /// <summary>An https:// bind without options: HTTP/1.1 and HTTP/2, whichever the client's ALPN asks for.</summary>
    public static readonly ListenerSettings Https = new(true, ListenerProtocols.Http1AndHttp2);

    public string Scheme => Tls ? "https" : "http";
}
