using System.Globalization;
using ForkHost.Lab.Processes;
using ForkHost.Logging;
using MySqlConnector;

namespace ForkHost.Lab.Demo.Traps.Background;

/// <summary>
/// Trap 2, background services run N times: the Traps sample's job writes one row per 250 ms tick, registered with
/// AddHostedService (broken: every worker runs it) or AddPlacedHostedService (fixed: the lease holder only). While it
/// runs, the workers are recycled (--max-requests), the app is reloaded (SIGHUP), the job's worker is SIGKILLed and,
/// in the fixed half, the supervisor is upgraded (SIGUSR2: a second supervisor with its own workers beside the first).
/// Then the rows are counted: a tick written twice is a duplicate; in the fixed half a gap longer than
/// <see cref="GapBoundMilliseconds"/> counts as a failure too.
/// </summary>
internal sealed class BackgroundScenario(bool isFixed) : TrapScenario
{
    private const int TickMilliseconds = 250;
    private const int MaxRequests = 10;

    /// <summary>
    /// The fixed half's longest acceptable gap: the lease's TTL (3 s, the longest a move waits on a silent holder) plus
    /// 5 s for the new holder's first write (a new process's first MySQL connection, on a machine busy booting workers).
    /// 2 s was too little: a clean-clone CI run, with the rest of the suite running beside it on 2 cores, saw a 6 s gap
    /// at a move to a new process. The duplicate and overlap counts, the trap's point, stay exact.
    /// </summary>
    public const long GapBoundMilliseconds = 8000;

    /// <summary>How long the job runs undisturbed between two disruptions.</summary>
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(1);

    private static readonly TimeSpan EventTimeout = TimeSpan.FromSeconds(60);

    public override string Number => Fixed ? "8b" : "8a";
    public override string Trap => "background services run N times";
    public override string Name => Fixed ? "AddPlacedHostedService: one lease holder" : "AddHostedService: in every worker";
    public override bool Fixed { get; } = isFixed;
    public override string FailureLabel => Fixed ? "duplicate ticks, overlaps, long gaps" : "duplicate ticks, overlaps";
    public override string Explanation => Fixed
        ? "The job runs in the worker holding the supervisor's lease and a flock in the state directory; it moves on recycle, reload, SIGKILL and upgrade."
        : "Every worker's generic host starts the app's hosted services: N workers write every tick N times.";

    public override async Task RunAsync(TrapRun run, TrapResult result, CancellationToken cancellationToken)
    {
        string table = string.Create(CultureInfo.InvariantCulture, $"trap_background_{Number}_{Guid.NewGuid():N}")[..40];
        SupervisorProcess supervisor = run.Start(
            ["--balance", "dispatch", "--max-requests", $"{MaxRequests}", "--max-requests-jitter", "0"],
            new Dictionary<string, string?>
            {
                ["Traps__Background__Table"] = table,
                ["Traps__Background__Placed"] = Fixed ? "true" : "false",
                ["Traps__Background__TickMilliseconds"] = $"{TickMilliseconds}",
            });
        int successor = 0;
        try
        {
            Uri address = await supervisor.WaitForHttpAddressAsync(TrapRun.ReadyTimeout);
            await supervisor.WaitForAllReadyAsync(TrapRun.ReadyTimeout);
            // From the first tick after every worker is ready, to the last before the supervisors stop.
            long firstTick = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / TickMilliseconds + 2;
            await Task.Delay(Settle, cancellationToken);

            using var client = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(10) };
            // Recycle: --balance dispatch deals the connections out in turn, so every worker, the job's included, reaches
            // --max-requests; one is recycled at a time.
            for (int i = 0; i < (MaxRequests + 1) * run.Workers; i++)
                await GetAsync(client, "/background/worker", cancellationToken);
            await supervisor.WaitForEventAsync(EventIds.WorkerRecycling, timeout: EventTimeout);
            await Task.Delay(Settle + Settle, cancellationToken);

            // Reload: the next generation boots beside the current one, which drains once the new one is ready.
            _ = Interop.Libc.Kill(supervisor.Pid, Interop.Signals.SIGHUP);
            await supervisor.WaitForEventAsync(EventIds.Reloaded, timeout: EventTimeout);
            await Task.Delay(Settle, cancellationToken);

            // SIGKILL the job's worker: the lease holder, or (broken) whichever worker answers.
            int victim = Fixed
                ? (await supervisor.WaitForEventAsync(EventIds.LeaseGranted, timeout: EventTimeout, count: supervisor.EventsWithId(EventIds.LeaseGranted).Count)).Int("WorkerPid")
                : int.Parse((await GetAsync(client, "/background/worker", cancellationToken)).Split(" pid ")[^1].Trim(), CultureInfo.InvariantCulture);
            _ = Interop.Libc.Kill(victim, Interop.Signals.SIGKILL);
            await Task.Delay(Settle + Settle, cancellationToken);

            if (Fixed)
            {
                // Upgrade: a second supervisor and its workers run beside the first until they are all ready; then the
                // first drains. Both see the same state directory, hence the same flock.
                _ = Interop.Libc.Kill(supervisor.Pid, Interop.Signals.SIGUSR2);
                successor = (await supervisor.WaitForEventAsync(EventIds.Upgrading, timeout: EventTimeout)).Int("SuccessorPid");
                await supervisor.WaitForEventAsync(EventIds.TakingOver, timeout: EventTimeout);
                await WaitForExitAsync(supervisor.Pid, EventTimeout);
                await Task.Delay(Settle, cancellationToken);
            }
            long lastTick = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / TickMilliseconds - 1;

            var analysis = new TickAnalysis(await ReadRowsAsync(run.Server.ConnectionString, table, firstTick, lastTick, cancellationToken), TickMilliseconds);
            long longGaps = Fixed ? analysis.GapsOver(GapBoundMilliseconds) : 0;
            result.Failures = analysis.Duplicates + analysis.OverlappingRunners + longGaps;
            result.Count("ticks", lastTick - firstTick + 1);
            result.Count("rows", analysis.Rows);
            result.Count("duplicate ticks", analysis.Duplicates);
            result.Count("overlapping runners", analysis.OverlappingRunners);
            result.Count("processes that ran it", analysis.Runners);
            result.Count("gaps over 2 ticks", analysis.GapsOverTwoTicks);
            result.Count("longest gap (ms)", analysis.LongestGapMilliseconds);
            if (Fixed)
                result.Count($"gaps over {GapBoundMilliseconds} ms", longGaps);
            result.Count("lease grants", supervisor.EventsWithId(EventIds.LeaseGranted).Count);
            result.Samples.AddRange(analysis.DuplicateSamples(2));
            if (Fixed && analysis.LongestGapSample() is { } gap)
                result.Samples.Add(longGaps > 0 ? $"{gap}, over the bound of {GapBoundMilliseconds} ms" : gap);
        }
        finally
        {
            if (successor != 0)
                await StopAsync(successor);
            await DropAsync(run.Server.ConnectionString, table);
        }
    }

    private static async Task<string> GetAsync(HttpClient client, string path, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        // One connection per request, so that dispatch hands each to the next worker.
        request.Headers.ConnectionClose = true;
        using HttpResponseMessage response = await client.SendAsync(request, cancellationToken);
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadAsStringAsync(cancellationToken);
    }

    private static async Task<IReadOnlyList<(long Tick, int Pid)>> ReadRowsAsync(string connectionString, string table, long firstTick, long lastTick, CancellationToken cancellationToken)
    {
        await using var connection = new MySqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var select = new MySqlCommand($"SELECT tick, pid FROM `{table}` WHERE tick BETWEEN @first AND @last", connection);
        select.Parameters.AddWithValue("@first", firstTick);
        select.Parameters.AddWithValue("@last", lastTick);
        var rows = new List<(long, int)>();
        await using MySqlDataReader reader = await select.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
            rows.Add((reader.GetInt64(0), reader.GetInt32(1)));
        return rows;
    }

    private static async Task DropAsync(string connectionString, string table)
    {
        try
        {
            await using var connection = new MySqlConnection(connectionString);
            await connection.OpenAsync();
            await using var drop = new MySqlCommand($"DROP TABLE IF EXISTS `{table}`", connection);
            await drop.ExecuteNonQueryAsync();
        }
        catch (MySqlException)
        {
            // The server is a throwaway one, or the table was never made.
        }
    }

    /// <summary>The upgrade's successor is not the <see cref="SupervisorProcess"/>'s child: stopped here, its workers with it.</summary>
    private static async Task StopAsync(int pid)
    {
        if (Interop.Libc.Kill(pid, Interop.Signals.SIGTERM) != 0)
            return;
        try
        {
            await WaitForExitAsync(pid, TimeSpan.FromSeconds(15));
        }
        catch (TimeoutException)
        {
            _ = Interop.Libc.Kill(pid, Interop.Signals.SIGKILL);
        }
    }

    /// <summary>Not our child: kill(pid, 0) answers until it is gone (the successor reaps nothing of ours).</summary>
    private static async Task WaitForExitAsync(int pid, TimeSpan timeout)
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        while (Interop.Libc.Kill(pid, 0) == 0 && !IsZombie(pid))
        {
            if (watch.Elapsed > timeout)
                throw new TimeoutException($"process {pid} still runs after {timeout.TotalSeconds} s");
            await Task.Delay(50);
        }
    }

    private static bool IsZombie(int pid)
    {
        try
        {
            string stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..].StartsWith('Z');
        }
        catch (IOException)
        {
            return true;
        }
    }
}
