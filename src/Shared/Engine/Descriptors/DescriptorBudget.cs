using System.Globalization;

namespace ForkHost.Descriptors;

/// <summary>
/// Keeps part of this process's descriptor table free of connections. The runtime opens descriptors long after start:
/// each assembly is opened when first used (two descriptors each; a Hello worker holds ~200 at idle), and a load that
/// fails with EMFILE is remembered by the binder. At the limit, the first request that needs a new assembly fails
/// (System.Security.Claims, say, for every HttpContext), and every request after it fails the same way, even once
/// descriptors are free again: the worker answers each one by closing the connection, for good. So a worker stops
/// taking connections while fewer than <see cref="ReserveFor"/> descriptors are left, as nginx caps
/// worker_connections below the descriptor limit; the clients wait in the backlog, or go to another worker. The
/// supervisor's dispatcher (--balance dispatch) keeps the same reserve in the supervisor's table, for the same reason.
/// </summary>
/// <remarks>
/// Counting /proc/self/fd costs ~200 directory entries, too much per accept. So the table is counted now and then
/// (<see cref="Measure"/>: by the owner's schedule, and while accepting is paused), and between counts the headroom
/// follows the open-connection count, which changes with every connection. The count and the clock are given, so that
/// the arithmetic can be checked without filling a real table.
/// </remarks>
internal sealed class DescriptorBudget
{
    /// <summary>How long the process's own descriptors may leave no room for one connection before it is unhealthy.</summary>
    public static readonly TimeSpan StarvedTooLong = TimeSpan.FromSeconds(5);

    private readonly Func<DescriptorCount> _countTable;
    private readonly Func<int> _openConnections;
    private readonly TimeProvider _time;
    private readonly Lock _lock = new();
    private volatile Measurement _last;

    /// <param name="countTable">Counts the table: <see cref="DescriptorTable.Count"/> for this process's own.</param>
    /// <param name="openConnections">The connections the owner holds now: the part of the table that frees itself as clients leave.</param>
    /// <param name="time">The clock starvation is measured on.</param>
    public DescriptorBudget(Func<DescriptorCount> countTable, Func<int> openConnections, TimeProvider time)
    {
        _countTable = countTable;
        _openConnections = openConnections;
        _time = time;
        _last = new Measurement(null, null, 0, null);
        Measure();
    }

    /// <summary>
    /// Descriptors kept free for the runtime, logging, the channel and /proc reads: an eighth of the limit, at least
    /// 32 (16 assembly loads) and at most 256.
    /// </summary>
    public static int ReserveFor(int limit) => Math.Clamp(limit / 8, 32, 256);

    /// <summary>Open descriptors at the last count; null if it failed.</summary>
    public int? OpenDescriptors => _last.Open;

    /// <summary>The soft RLIMIT_NOFILE at the last count; null when unlimited.</summary>
    public int? Limit => _last.Limit;

    /// <summary>How many more connections fit before the reserve: from the last count, corrected by the connections opened or closed since.</summary>
    public int ConnectionHeadroom
    {
        get
        {
            Measurement last = _last;
            if (last.Limit is not int limit)
                return int.MaxValue;
            long used = (long)last.OtherDescriptors + _openConnections();
            return (int)Math.Clamp(limit - ReserveFor(limit) - used, 0, int.MaxValue);
        }
    }

    public bool HasRoom => ConnectionHeadroom > 0;

    /// <summary>Counts the table again. Safe to call at the limit: a failed count means "no room", never an exception.</summary>
    public void Measure()
    {
        // Connections first: one opened during the count is then counted twice (less headroom), never missed.
        int connections = _openConnections();
        (int? open, int? limit) = _countTable();
        lock (_lock)
        {
            // A count that failed means the directory could not be opened: the table is full.
            int others = open is int count ? Math.Max(0, count - connections) : limit ?? 0;
            bool starved = limit is int l && others + ReserveFor(l) >= l;
            long? starvedSince = starved ? _last.StarvedSince ?? _time.GetTimestamp() : null;
            _last = new Measurement(open, limit, others, starvedSince);
        }
    }

    /// <summary>
    /// Why the process cannot serve any more, or null: descriptors that are not its connections (the runtime's, the
    /// app's: a leak) have left no room for a single connection for <see cref="StarvedTooLong"/>. A process full of its
    /// own connections is busy, not unhealthy: they close, and it takes more.
    /// </summary>
    public string? StarvationReason()
    {
        Measurement last = _last;
        if (last.StarvedSince is not long since || last.Limit is not int limit || _time.GetElapsedTime(since) < StarvedTooLong)
            return null;
        string open = last.Open is int count ? count.ToString(CultureInfo.InvariantCulture) : "all";
        return string.Create(CultureInfo.InvariantCulture,
            $"{open} of {limit} descriptors open ({last.OtherDescriptors} of them not connections) for {_time.GetElapsedTime(since).TotalSeconds:0} s: no room for a connection beside the {ReserveFor(limit)} kept free");
    }

    private sealed record Measurement(int? Open, int? Limit, int OtherDescriptors, long? StarvedSince);
}
