using System.Globalization;
using ForkHost.Channel;

namespace ForkHost.Supervisor.Configuration;

/// <summary>
/// The request limits and timeouts (--limit-request-*, --keep-alive, --worker-connections, --request-timeout,
/// --request-hard-timeout, --dump-dir): checked with the other options, and turned into what workers apply.
/// </summary>
internal static class RequestLimitsValidation
{
    /// <summary>Kestrel's own bound on a request line and on headers is far below this; it keeps a typo from meaning "unlimited".</summary>
    public const int MaxBytes = 1024 * 1024;

    public static void Check(List<string> failures, ForkHostOptions options)
    {
        // A request line shorter than "GET / HTTP/1.1" refuses every request.
        CheckRange(failures, "--limit-request-line", options.LimitRequestLine, 16, MaxBytes, "bytes");
        CheckRange(failures, "--limit-request-fields", options.LimitRequestFields, 1, 10_000, "header fields");
        CheckRange(failures, "--limit-request-field-size", options.LimitRequestFieldSize, 16, MaxBytes, "bytes");
        if (options.LimitRequestBody is < 0)
            failures.Add($"--limit-request-body must be a number of bytes, or 0 for no limit (got {options.LimitRequestBody}).");
        if (options.WorkerConnections is long connections && connections is < 1 or > 1_000_000)
            failures.Add($"--worker-connections must be between 1 and 1000000 (got {connections}).");
        if (options.KeepAlive is double keepAlive)
            ForkHostOptionsValidator.CheckSeconds(failures, "--keep-alive", keepAlive);
        if (options.RequestTimeout is double timeout)
            ForkHostOptionsValidator.CheckSeconds(failures, "--request-timeout", timeout);
        if (options.RequestHardTimeout is double hard)
        {
            ForkHostOptionsValidator.CheckSeconds(failures, "--request-hard-timeout", hard);
            if (options.RequestTimeout is double soft && hard <= soft)
                failures.Add($"--request-hard-timeout ({Seconds(hard)} s) must be longer than --request-timeout ({Seconds(soft)} s): the cooperative timeout comes first.");
        }

        CheckDumpDirectory(failures, options, Supervisor.Workers.WorkerStackCaptures.IsSupported);
    }

    /// <param name="dumpsSupported">False in a NativeAOT build, which can take no dumps (<see cref="Supervisor.Workers.WorkerStackCaptures"/>).</param>
    internal static void CheckDumpDirectory(List<string> failures, ForkHostOptions options, bool dumpsSupported)
    {
        if (!string.IsNullOrWhiteSpace(options.DumpDir))
        {
            if (!dumpsSupported)
                failures.Add("--dump-dir is unavailable in a NativeAOT build: a worker compiled ahead of time cannot write a dump for dotnet-dump, nor can its stacks be read; leave out --dump-dir, or run ForkHost under the JIT for dumps.");
            else if (options.WorkerDiagnostics == WorkerDiagnosticsMode.Off)
                failures.Add("--dump-dir needs the workers' diagnostics socket: leave out --worker-diagnostics off, or --dump-dir.");
            else if (DumpDirectoryFailure(options.DumpDir) is { } dumpFailure)
                failures.Add(dumpFailure);
        }
    }

    /// <summary>What workers are told to apply; Kestrel's own values (or the app's) wherever an option is not given.</summary>
    public static RequestLimits LimitsOf(ForkHostOptions options) => new(
        options.LimitRequestLine,
        options.LimitRequestFields,
        options.LimitRequestFieldSize,
        options.LimitRequestBody,
        Milliseconds(options.KeepAlive),
        options.WorkerConnections,
        Milliseconds(options.RequestTimeout));

    /// <summary>The dump directory as a full path (dumps are written by a helper the worker starts, in its own working directory).</summary>
    public static string? DumpDirectoryOf(ForkHostOptions options) =>
        string.IsNullOrWhiteSpace(options.DumpDir) ? null : Path.GetFullPath(options.DumpDir);

    private static int? Milliseconds(double? seconds) => seconds is double s ? (int)Math.Round(s * 1000) : null;

    private static void CheckRange(List<string> failures, string option, int? value, int min, int max, string unit)
    {
        if (value is int given && (given < min || given > max))
            failures.Add($"{option} must be between {min} and {max} {unit} (got {given}).");
    }

    private static string? DumpDirectoryFailure(string dumpDir)
    {
        string full = Path.GetFullPath(dumpDir);
        if (!Directory.Exists(full))
            return $"--dump-dir '{dumpDir}': directory {full} does not exist; create it (mode 700: a dump holds whatever the worker had in memory) or choose another.";
        if (Interop.Libc.AccessAt(Interop.Libc.AT_FDCWD, full, Interop.Libc.W_OK | Interop.Libc.X_OK, Interop.Libc.AT_EACCESS) != 0)
            return $"--dump-dir '{dumpDir}': cannot create files in {full}; choose a directory this user (and --user) may write to.";
        return null;
    }

    private static string Seconds(double value) => value.ToString(CultureInfo.InvariantCulture);
}
