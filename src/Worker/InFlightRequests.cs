using System.Collections.Concurrent;
using System.Diagnostics;
using ForkHost.Channel;

namespace ForkHost.Worker;

/// <summary>
/// The requests a worker is serving, each with its method, path and start, so that every heartbeat can say which has
/// run longest (--request-hard-timeout, <c>forkhost status</c>, the oldest-request metric). One dictionary entry per
/// request, added and removed by ForkHost's outermost middleware; finding the oldest walks the entries, once per
/// heartbeat, without a lock.
/// </summary>
internal sealed class InFlightRequests
{
    private readonly ConcurrentDictionary<long, Entry> _requests = new();
    private long _lastId;

    /// <returns>The request's id, for <see cref="Finished"/>.</returns>
    public long Started(string method, string path)
    {
        long id = Interlocked.Increment(ref _lastId);
        _requests[id] = new Entry(method, path, Stopwatch.GetTimestamp());
        return id;
    }

    public void Finished(long id) => _requests.TryRemove(id, out _);

    /// <summary>The request in flight the longest, or null when there is none.</summary>
    public InFlightRequestReport? Oldest()
    {
        Entry? oldest = null;
        foreach (KeyValuePair<long, Entry> request in _requests)
        {
            if (oldest is not { } found || request.Value.Started < found.Started)
                oldest = request.Value;
        }
        if (oldest is not { } entry)
            return null;
        string path = entry.Path.Length > InFlightRequestReport.MaxPathLength ? entry.Path[..InFlightRequestReport.MaxPathLength] : entry.Path;
        return new InFlightRequestReport(entry.Method, path, (long)Stopwatch.GetElapsedTime(entry.Started).TotalMilliseconds);
    }

    private readonly record struct Entry(string Method, string Path, long Started);
}
