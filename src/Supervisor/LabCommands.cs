using System.Runtime.InteropServices;

namespace ForkHost.Supervisor;

/// <summary>
/// The lab's commands (demo, mysql-server) live in forkhost-lab, so that serving an app never loads the lab's
/// dependencies (Testcontainers, the throwaway-server provider). The source tree's build puts forkhost-lab next to
/// forkhost; the packaged tool carries only what serves apps.
/// </summary>
internal static class LabCommands
{
    public const string ExecutableName = "forkhost-lab";

    public static int Run(string command, IReadOnlyList<string> arguments)
    {
        string lab = Path.Combine(AppContext.BaseDirectory, ExecutableName);
        if (!File.Exists(lab))
        {
            return ForkHostCommands.UsageError($"'{command}' belongs to ForkHost's lab, which this install does not include ({ExecutableName} is not in {AppContext.BaseDirectory}). "
                + "Clone the repository and run ./dev demo, or src/Lab/ForkHost.Lab/bin/Release/net10.0/forkhost-lab " + command + ".");
        }
        Console.Out.Flush();
        string?[] argv = [lab, command, .. arguments, null];
        Interop.Libc.Execv(lab, argv);
        int errno = Marshal.GetLastPInvokeError();
        Console.Error.WriteLine($"forkhost: cannot start {lab}: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno}).");
        return ExitCodes.Failure;
    }
}
