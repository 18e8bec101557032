using System.Globalization;

namespace ForkHost.Supervisor.Workers;

/// <summary>
/// Removes the diagnostics IPC socket a reaped worker left behind. Every .NET process listens on
/// $TMPDIR/dotnet-diagnostic-PID-KEY-socket and removes it when it exits cleanly; a worker killed by a signal cannot,
/// and a --user worker cannot either, because the runtime created the file before the worker dropped root and /tmp
/// is sticky. Workers inherit the supervisor's TMPDIR, so the file is in the supervisor's temporary directory.
/// </summary>
internal static class DiagnosticsSocketCleanup
{
    /// <summary>Call once the worker is reaped: its pid is not reused before then, and nothing else names files with it.</summary>
    public static void RemoveLeftovers(int pid) => RemoveLeftovers(Path.GetTempPath(), pid);

    internal static void RemoveLeftovers(string directory, int pid)
    {
        string pattern = $"dotnet-diagnostic-{pid.ToString(CultureInfo.InvariantCulture)}-*-socket";
        try
        {
            // Only the top level, as the runtime creates it; File.Delete does not follow a symlink planted there.
            foreach (string path in Directory.EnumerateFileSystemEntries(directory, pattern, SearchOption.TopDirectoryOnly))
            {
                if (!Directory.Exists(path))
                    File.Delete(path);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Best effort: a leftover socket file is untidy, never a reason to disturb the arbiter loop.
        }
    }
}
