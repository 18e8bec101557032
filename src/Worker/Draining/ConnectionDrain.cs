namespace ForkHost.Worker.Draining;

/// <summary>
/// A graceful stop that loses nothing on keep-alive connections. Kestrel's own stop closes idle keep-alive
/// connections at once, and a request the client is sending at that moment dies with "response ended prematurely"
/// (HttpClient retries that for a GET, rightly not for a POST). So the worker first stops accepting (the shared
/// listening socket's backlog goes to the other workers), then answers every further request on its open
/// connections with "Connection: close" (on HTTP/2, GOAWAY), and stops Kestrel only once those connections are gone, or have carried no
/// request for <see cref="QuietPeriod"/> (a client's idle pooled connection: closing it is the ordinary keep-alive
/// timeout, which clients handle), or the deadline nears.
/// </summary>
internal sealed class ConnectionDrain
{
    private readonly CancellationTokenSource _draining = new();
    private readonly TaskCompletionSource _idle = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _openConnections;
    private int _requestsInFlight;
    private long _lastActivity = Environment.TickCount64;

    public static readonly TimeSpan QuietPeriod = TimeSpan.FromSeconds(1);

    public bool IsDraining => _draining.IsCancellationRequested;

    public CancellationToken Draining => _draining.Token;

    public int OpenConnections => Volatile.Read(ref _openConnections);

    public void ConnectionOpened() => Interlocked.Increment(ref _openConnections);

    public void ConnectionClosed()
    {
        if (Interlocked.Decrement(ref _openConnections) == 0 && IsDraining)
            _idle.TrySetResult();
    }

    public void RequestStarted()
    {
        Interlocked.Increment(ref _requestsInFlight);
        Volatile.Write(ref _lastActivity, Environment.TickCount64);
    }

    public void RequestFinished()
    {
        Volatile.Write(ref _lastActivity, Environment.TickCount64);
        Interlocked.Decrement(ref _requestsInFlight);
    }

    /// <summary>Stops accepting, then waits until the open connections are gone or quiet, or <paramref name="limit"/> passes.</summary>
    /// <returns>The connections still open when the wait ended (Kestrel's stop closes them).</returns>
    public async Task<int> DrainAsync(TimeSpan limit)
    {
        _draining.Cancel();
        if (OpenConnections == 0)
            _idle.TrySetResult();
        long deadline = Environment.TickCount64 + (long)limit.TotalMilliseconds;
        while (!_idle.Task.IsCompleted && Environment.TickCount64 < deadline)
        {
            bool quiet = Volatile.Read(ref _requestsInFlight) == 0
                && Environment.TickCount64 - Volatile.Read(ref _lastActivity) >= QuietPeriod.TotalMilliseconds;
            if (quiet)
                break;
            await Task.WhenAny(_idle.Task, Task.Delay(50));
        }
        return OpenConnections;
    }
}
