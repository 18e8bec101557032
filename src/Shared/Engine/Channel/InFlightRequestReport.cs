namespace ForkHost.Channel;

/// <summary>One request a worker is serving, as its heartbeat reports the oldest: what it is and how long it has run.</summary>
/// <param name="Method">The HTTP method.</param>
/// <param name="Path">The path, without the query string (which may carry secrets), cut to <see cref="MaxPathLength"/> characters.</param>
/// <param name="AgeMilliseconds">How long it has been in flight when the heartbeat was sent.</param>
internal sealed record InFlightRequestReport(string Method, string Path, long AgeMilliseconds)
{
    /// <summary>A heartbeat stays small whatever the request line was.</summary>
    public const int MaxPathLength = 256;
}
