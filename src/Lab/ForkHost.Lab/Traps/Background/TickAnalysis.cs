using System.Globalization;

namespace ForkHost.Lab.Demo.Traps.Background;

/// <summary>
/// What the job's rows say: ticks written more than once (duplicates), pairs of processes whose runs overlap in time,
/// and the gaps between consecutive written ticks.
/// </summary>
/// <param name="Rows">(tick, pid) pairs, in any order.</param>
/// <param name="TickMilliseconds">The job's interval: a tick number times this is a time.</param>
internal sealed class TickAnalysis(IReadOnlyList<(long Tick, int Pid)> rows, int tickMilliseconds)
{
    public int TickMilliseconds { get; } = tickMilliseconds;
    public long Rows => rows.Count;
    public long Ticks => rows.Select(r => r.Tick).Distinct().Count();

    /// <summary>Rows beyond the first of their tick: a job that runs once writes none.</summary>
    public long Duplicates => Rows - Ticks;

    /// <summary>Processes that wrote rows.</summary>
    public long Runners => rows.Select(r => r.Pid).Distinct().Count();

    /// <summary>Pairs of processes each of which wrote a tick inside the other's first-to-last range: two holders at once.</summary>
    public long OverlappingRunners
    {
        get
        {
            var ranges = rows.GroupBy(r => r.Pid).Select(g => (First: g.Min(r => r.Tick), Last: g.Max(r => r.Tick))).OrderBy(r => r.First).ToList();
            long pairs = 0;
            for (int i = 0; i < ranges.Count; i++)
                for (int j = i + 1; j < ranges.Count && ranges[j].First <= ranges[i].Last; j++)
                    pairs++;
            return pairs;
        }
    }

    /// <summary>Time between consecutive written ticks, in milliseconds, for every such pair (one tick apart is no gap: the interval).</summary>
    private IEnumerable<long> Spacings
    {
        get
        {
            long[] ticks = rows.Select(r => r.Tick).Distinct().Order().ToArray();
            for (int i = 1; i < ticks.Length; i++)
                yield return (ticks[i] - ticks[i - 1]) * TickMilliseconds;
        }
    }

    /// <summary>Gaps longer than two ticks (more than one tick missing).</summary>
    public long GapsOverTwoTicks => Spacings.Count(s => s > 2L * TickMilliseconds);

    public long GapsOver(long milliseconds) => Spacings.Count(s => s > milliseconds);

    public long LongestGapMilliseconds => Spacings.DefaultIfEmpty(0).Max();

    /// <summary>Where the longest gap was: the last row before it and the first after it, for the lines under the table.</summary>
    public string? LongestGapSample()
    {
        var ticks = rows.GroupBy(r => r.Tick).OrderBy(g => g.Key).Select(g => (Tick: g.Key, Pid: g.First().Pid)).ToArray();
        if (ticks.Length < 2)
            return null;
        int widest = Enumerable.Range(1, ticks.Length - 1).MaxBy(i => ticks[i].Tick - ticks[i - 1].Tick);
        return string.Create(CultureInfo.InvariantCulture,
            $"longest gap {(ticks[widest].Tick - ticks[widest - 1].Tick) * TickMilliseconds} ms: tick {ticks[widest - 1].Tick} by pid {ticks[widest - 1].Pid}, then tick {ticks[widest].Tick} by pid {ticks[widest].Pid}");
    }

    /// <summary>A few ticks written more than once, as "tick 123: 4 rows (pids 1, 2, 3, 4)".</summary>
    public IEnumerable<string> DuplicateSamples(int count) => rows
        .GroupBy(r => r.Tick)
        .Where(g => g.Count() > 1)
        .OrderBy(g => g.Key)
        .Take(count)
        .Select(g => string.Create(CultureInfo.InvariantCulture, $"tick {g.Key}: {g.Count()} rows (pids {string.Join(", ", g.Select(r => r.Pid).Distinct())})"));
}
