using System.Diagnostics;
using System.Globalization;

namespace ForkHost.Tests.Infrastructure;

/// <summary>Another process's resource limits, changed from outside with prlimit(1), as an operator would.</summary>
internal static class ProcessLimits
{
    /// <summary>
    /// Sets the soft RLIMIT_NOFILE and keeps the hard one, so it can be raised again. Descriptors already open above it stay
    /// open; every new one needs a free number below it, so a limit at <see cref="ProcessTable.LowestFreeDescriptor"/>
    /// leaves the process no room at all, without opening anything in it.
    /// </summary>
    public static void SetSoftDescriptorLimit(int pid, int limit)
    {
        var startInfo = new ProcessStartInfo("prlimit") { RedirectStandardError = true, UseShellExecute = false };
        startInfo.ArgumentList.Add("--pid");
        startInfo.ArgumentList.Add(pid.ToString(CultureInfo.InvariantCulture));
        startInfo.ArgumentList.Add(string.Create(CultureInfo.InvariantCulture, $"--nofile={limit}:"));
        using Process prlimit = Process.Start(startInfo)!;
        string error = prlimit.StandardError.ReadToEnd();
        prlimit.WaitForExit();
        Assert.True(prlimit.ExitCode == 0, $"prlimit --pid {pid} --nofile={limit}: failed: {error}");
    }
}
