namespace ForkHost.Channel;

/// <summary>
/// What a worker's Kestrel and request pipeline are limited to, from the supervisor's options. Every value is null
/// when its option was not given: Kestrel's own default then applies, or what the app set (its Kestrel:Limits
/// configuration section, its own ConfigureKestrel). A value given here wins over both.
/// </summary>
/// <param name="MaxRequestLineSize">--limit-request-line: KestrelServerLimits.MaxRequestLineSize (over it: 414).</param>
/// <param name="MaxRequestHeaderCount">--limit-request-fields: KestrelServerLimits.MaxRequestHeaderCount (over it: 431).</param>
/// <param name="MaxRequestHeaderFieldSize">--limit-request-field-size: the largest one header field (name and value) may
/// be. Kestrel limits HTTP/1.1 headers only in total (MaxRequestHeadersTotalSize), so the worker raises that total to
/// at least this and checks each field before the app sees the request (over it: 431).</param>
/// <param name="MaxRequestBodySize">--limit-request-body: KestrelServerLimits.MaxRequestBodySize; 0 for no limit (over it: 413).</param>
/// <param name="KeepAliveTimeoutMilliseconds">--keep-alive: KestrelServerLimits.KeepAliveTimeout, how long an idle
/// connection is kept open.</param>
/// <param name="MaxConcurrentConnections">--worker-connections: KestrelServerLimits.MaxConcurrentConnections.</param>
/// <param name="RequestTimeoutMilliseconds">--request-timeout: the default policy of ASP.NET Core's request-timeouts
/// middleware (RequestAborted fires; 504 if nothing was sent yet).</param>
internal sealed record RequestLimits(
    int? MaxRequestLineSize = null,
    int? MaxRequestHeaderCount = null,
    int? MaxRequestHeaderFieldSize = null,
    long? MaxRequestBodySize = null,
    int? KeepAliveTimeoutMilliseconds = null,
    long? MaxConcurrentConnections = null,
    int? RequestTimeoutMilliseconds = null)
{
    public static RequestLimits None { get; } = new();
}
