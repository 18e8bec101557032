namespace ForkHost.Worker;

internal static class ProcessMemory
{
    private static readonly long PageSize = Environment.SystemPageSize;

    /// <summary>Resident set size from /proc/self/statm (second field, in pages): cheaper than Process.WorkingSet64.</summary>
    public static long ResidentBytes()
    {
        try
        {
            string statm = File.ReadAllText("/proc/self/statm");
            string[] fields = statm.Split(' ', 3);
            return long.Parse(fields[1], System.Globalization.CultureInfo.InvariantCulture) * PageSize;
        }
        catch (IOException)
        {
            return 0;
        }
    }
}
