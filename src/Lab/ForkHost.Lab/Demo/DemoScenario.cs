namespace ForkHost.Lab.Demo;

/// <summary>One way of running the Comments app, and what the demo expects of it.</summary>
/// <param name="Number">As numbered in docs/fork-bug.md (6 has a broken and a fixed half: 6a, 6b).</param>
/// <param name="Inherit">--inherit.</param>
/// <param name="DisposeBeforeSpawn">--dispose-before-spawn.</param>
/// <param name="PoolSettings">Appended to the connection string: how the workers' pools behave.</param>
/// <param name="LowerWaitTimeout">Run against a server whose wait_timeout is lowered, and idle past it before the measured load.</param>
/// <param name="MaxRequests">--max-requests, to recycle workers under load (0: off).</param>
/// <param name="ExpectFailures">The bug this scenario shows; a fixed scenario expects none.</param>
internal sealed record DemoScenario(
    string Number,
    string Name,
    string Inherit,
    bool DisposeBeforeSpawn,
    string PoolSettings,
    bool LowerWaitTimeout,
    int MaxRequests,
    bool ExpectFailures,
    string Explanation)
{
    /// <summary>The server's wait_timeout during scenarios 4 and 5, in seconds.</summary>
    public const int LoweredWaitTimeout = 3;

    public static IReadOnlyList<DemoScenario> All { get; } =
    [
        new("1", "broken: app touches the DB at load, fork-style inheritance, no dispose", "fork", false, "", false, 0, true,
            "PythonAnywhere's model as is: every worker uses the one session the load step left open."),
        new("2", "seed's fix: dispose after load, before spawn", "fork", true, "", false, 0, false,
            "db.session.close(); db.engine.dispose(): nothing is left to inherit."),
        new("3", "ForkHost default: listeners only, per-worker pools", "listeners", true, "", false, 0, false,
            "Workers receive only the listening sockets and open their own pools."),
        new("4", $"idle past wait_timeout={LoweredWaitTimeout}s, no recycle", "listeners", true, "ConnectionReset=false;ConnectionIdleTimeout=0", true, 0, true,
            "Pooled sessions idle longer than the server allows are closed by the server; the next query on each fails."),
        new("5", $"idle past wait_timeout={LoweredWaitTimeout}s, idle timeout below it", "listeners", true, "ConnectionReset=false;ConnectionIdleTimeout=1", true, 0, false,
            "The pool retires idle sessions before the server does: the seed's pool_recycle=280 for a 300 s server."),
        new("6a", "worker recycling, broken model", "fork", false, "", false, 40, true,
            "Workers replaced under load (--max-requests) inherit the supervisor's session again."),
        new("6b", "worker recycling, dispose-before-spawn", "fork", true, "", false, 40, false,
            "The same recycling with the pools cleared before every spawn: nothing to inherit."),
    ];
}
