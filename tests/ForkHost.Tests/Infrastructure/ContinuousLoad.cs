namespace ForkHost.Tests.Infrastructure;

/// <summary>
/// Keep-alive GET clients hitting one address until stopped, counting answers and recording every failure: the load
/// under which reloads, recycling and upgrades must lose nothing. HttpClient retries what HTTP allows, nothing more.
/// </summary>
internal sealed class ContinuousLoad : IAsyncDisposable
{
    private readonly HttpClient _client = new() { Timeout = TimeSpan.FromSeconds(20) };
    private readonly CancellationTokenSource _stop = new();
    private readonly List<string> _failures = [];
    private readonly Task _clients;
    private int _answered;

    private ContinuousLoad(Uri address, int clients, Func<bool>? until)
    {
        _clients = Task.WhenAll(Enumerable.Range(0, clients).Select(_ => Task.Run(async () =>
        {
            while (!_stop.IsCancellationRequested && !(until?.Invoke() ?? false))
            {
                try
                {
                    using HttpResponseMessage response = await _client.GetAsync(address);
                    if (response.IsSuccessStatusCode)
                        Interlocked.Increment(ref _answered);
                    else
                        lock (_failures) _failures.Add($"HTTP {(int)response.StatusCode}");
                }
                catch (HttpRequestException e)
                {
                    lock (_failures) _failures.Add(e.Message);
                }
            }
        })));
    }

    /// <param name="until">Stops the clients by itself once true (checked before each request).</param>
    public static ContinuousLoad Start(Uri address, int clients, Func<bool>? until = null) => new(address, clients, until);

    public int Answered => Volatile.Read(ref _answered);

    public IReadOnlyList<string> Failures
    {
        get
        {
            lock (_failures)
                return _failures.ToList();
        }
    }

    /// <summary>Stops the clients (or waits for <c>until</c>) and returns when every one has finished its request.</summary>
    public async Task StopAsync(bool waitForUntil = false)
    {
        if (!waitForUntil)
            await _stop.CancelAsync();
        await _clients;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _clients;
        _client.Dispose();
        _stop.Dispose();
    }
}
