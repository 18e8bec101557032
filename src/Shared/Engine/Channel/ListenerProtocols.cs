namespace ForkHost.Channel;

/// <summary>The HTTP versions a listener serves, as Kestrel's HttpProtocols names them (?protocols= on a --bind).</summary>
internal enum ListenerProtocols
{
    /// <summary>HTTP/1.x only.</summary>
    Http1 = 1,

    /// <summary>HTTP/2 only: negotiated by ALPN on TLS, and with prior knowledge (h2c) on a cleartext listener.</summary>
    Http2 = 2,

    /// <summary>Either, negotiated by ALPN; TLS only (cleartext HTTP/2 needs prior knowledge, which excludes HTTP/1.x).</summary>
    Http1AndHttp2 = 3,
}
