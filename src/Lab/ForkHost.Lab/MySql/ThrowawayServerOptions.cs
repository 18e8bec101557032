namespace ForkHost.Lab.MySql;

/// <summary>Server variables for a throwaway server, set at start (the demo lowers wait_timeout at run time instead).</summary>
internal sealed record ThrowawayServerOptions(int? WaitTimeout = null, int? MaxConnections = null)
{
    public IEnumerable<string> ServerArguments()
    {
        if (WaitTimeout is int wait)
            yield return $"--wait-timeout={wait}";
        if (MaxConnections is int max)
            yield return $"--max-connections={max}";
    }
}
