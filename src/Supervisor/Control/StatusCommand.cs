using System.Text;

namespace ForkHost.Supervisor.Control;

/// <summary>
/// <c>forkhost status</c>: asks a running supervisor for its workers over the control socket. Exit 0 when shown, 1 when
/// the supervisor answered with an error or not in time, 2 for a bad option or when nothing answers.
/// </summary>
internal static class StatusCommand
{
    private const string Usage = """
        Usage: forkhost status [--control-socket PATH | --pid-file PATH] [--json]

        Shows a running supervisor and each of its workers: slot, pid, generation, state, uptime, requests served,
        requests in flight, resident memory and the age of its last heartbeat.

          --control-socket PATH   The supervisor's control socket (as given to forkhost run --control-socket).
          --pid-file PATH         The supervisor's --pid-file: its control socket is the same path ending in .sock.
          --json                  Print the supervisor's answer as one JSON line, for scripts.

        With neither option, the one running supervisor of this user is found in the default places:
        $RUNTIME_DIRECTORY/forkhost.sock, $XDG_RUNTIME_DIR/forkhost-PID.sock, $TMPDIR/forkhost-UID/forkhost-PID.sock.
        """;

    public static async Task<int> RunAsync(IReadOnlyList<string> args)
    {
        string? controlSocket = null;
        string? pidFile = null;
        bool json = false;
        for (int i = 0; i < args.Count; i++)
        {
            string arg = args[i];
            int equals = arg.IndexOf('=');
            string name = equals >= 0 ? arg[..equals] : arg;
            string? inline = equals >= 0 ? arg[(equals + 1)..] : null;
            switch (name)
            {
                case "--help" or "-h":
                    Console.Out.WriteLine(Usage);
                    return ExitCodes.Success;
                case "--json" when inline is null:
                    json = true;
                    break;
                case "--control-socket" or "--pid-file":
                    string? value = inline ?? (i + 1 < args.Count && !args[i + 1].StartsWith("--", StringComparison.Ordinal) ? args[++i] : null);
                    if (string.IsNullOrEmpty(value))
                        return ForkHostCommands.UsageError($"{name} needs a value (PATH).");
                    if (name == "--control-socket")
                        controlSocket = value;
                    else
                        pidFile = value;
                    break;
                default:
                    return ForkHostCommands.UsageError($"status: unexpected argument '{arg}' (see 'forkhost status --help').");
            }
        }
        if (controlSocket is not null && pidFile is not null)
            return ForkHostCommands.UsageError("status: give --control-socket or --pid-file, not both.");

        string path;
        if (controlSocket is not null)
            path = Path.GetFullPath(controlSocket);
        else if (pidFile is not null)
            path = ControlSocketPath.NextToPidFile(pidFile);
        else
        {
            IReadOnlyList<string> found = ControlSocketPath.Discover();
            if (found.Count != 1)
                return ForkHostCommands.UsageError(found.Count == 0
                    ? $"no running supervisor found in {ControlSocketPath.DescribeDefaultPlaces()}; pass --control-socket or --pid-file."
                    : $"{found.Count} supervisors are running ({string.Join(", ", found)}); pass --control-socket to choose one.");
            path = found[0];
        }

        ControlResponse response;
        byte[] line;
        try
        {
            (response, line) = await ControlClient.RequestAsync(path, ControlRequest.Status, ControlProtocol.ClientTimeout);
        }
        catch (ControlUnavailableException e)
        {
            return ForkHostCommands.UsageError(e.Message);
        }
        catch (Exception e) when (e is ControlProtocolException or TimeoutException)
        {
            Console.Error.WriteLine($"forkhost: {e.Message}");
            return ExitCodes.Failure;
        }

        if (!response.Ok || response.Status is null)
        {
            Console.Error.WriteLine($"forkhost: the supervisor on {path} answered with an error: {response.Error ?? "no status"}");
            return ExitCodes.Failure;
        }
        Console.Out.Write(json ? Encoding.UTF8.GetString(line) + "\n" : StatusTable.Format(response.Status, path));
        return ExitCodes.Success;
    }
}
