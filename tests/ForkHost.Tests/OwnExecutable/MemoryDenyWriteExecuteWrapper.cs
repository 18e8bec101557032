using System.Diagnostics;

namespace ForkHost.Tests.OwnExecutable;

/// <summary>
/// mdwe-exec (mdwe-exec.c, next to this file): runs a program under prctl(PR_SET_MDWE), the kernel's
/// memory-deny-write-execute, as systemd's MemoryDenyWriteExecute=yes does. Compiled with clang at test time, which
/// ./dev installs with NativeAOT's other prerequisites.
/// </summary>
internal static class MemoryDenyWriteExecuteWrapper
{
    private static readonly TimeSpan CompileTimeout = TimeSpan.FromSeconds(60);

    /// <returns>The compiled wrapper, in <paramref name="directory"/>.</returns>
    public static async Task<string> CompileAsync(string directory)
    {
        string source = Path.Combine(AppContext.BaseDirectory, "OwnExecutable", "mdwe-exec.c");
        string output = Path.Combine(directory, "mdwe-exec");
        var startInfo = new ProcessStartInfo("clang") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (string argument in new[] { "-O2", "-Wall", "-Wextra", "-Werror", "-o", output, source })
            startInfo.ArgumentList.Add(argument);
        Process clang;
        try
        {
            clang = Process.Start(startInfo)!;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            Assert.Fail($"clang could not be started ({e.Message}): ./dev test installs it, with zlib1g-dev, for NativeAOT.");
            throw;
        }
        using (clang)
        {
            Task<string> errors = clang.StandardError.ReadToEndAsync();
            Task<string> messages = clang.StandardOutput.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(CompileTimeout);
            await clang.WaitForExitAsync(timeout.Token);
            Assert.True(clang.ExitCode == 0, $"clang {source} failed ({clang.ExitCode}):\n{await messages}{await errors}");
        }
        return output;
    }
}
