using System.Globalization;
using System.Net;
using ForkHost.Supervisor.Fleet;
using ForkHost.Supervisor.Listeners;
using Microsoft.Extensions.Options;

namespace ForkHost.Supervisor.Configuration;

/// <summary>Checks every option at start (ValidateOnStart); each failure names the option, the value and the fix.</summary>
/// <param name="compiledIn">The app built into this program (its own executable), which takes no --app; null under forkhost run.</param>
internal sealed class ForkHostOptionsValidator(Apps.AppSpecification? compiledIn = null) : IValidateOptions<ForkHostOptions>
{
    public const int MaxWorkers = 1024;

    public ValidateOptionsResult Validate(string? name, ForkHostOptions options)
    {
        var failures = new List<string>();

        if (compiledIn is { } own)
        {
            if (!string.IsNullOrWhiteSpace(options.App))
                failures.Add($"--app '{options.App}': this program serves its own app ({own.TypeName}), so it takes every option of forkhost run but --app (nor FORKHOST_APP, nor ForkHost:App); leave it out, or serve another app's .dll with forkhost run --app.");
        }
        else if (string.IsNullOrWhiteSpace(options.App))
            failures.Add("--app is required: the path of the app assembly, as in --app samples/Hello/bin/Release/net10.0/Hello.dll.");
        else
        {
            string path = Apps.AppSpecification.Parse(options.App).AssemblyPath;
            if (Directory.Exists(path))
                failures.Add($"--app '{options.App}': '{path}' is a directory; pass the app's assembly, the .dll that dotnet build writes (as in {Path.Combine(path, "bin", "Release", "net10.0", "App.dll")}).");
            else if (!File.Exists(path))
                failures.Add($"--app '{options.App}': file '{path}' does not exist; build the app first (dotnet build) and pass its .dll.");
        }

        if (options.Workers is < 1 or > MaxWorkers)
            failures.Add($"--workers must be between 1 and {MaxWorkers} (got {options.Workers}).");
        if (options.Backlog is < 1 or > 65535)
            failures.Add($"--backlog must be between 1 and 65535 (got {options.Backlog}).");
        if (options.ReadyWorkers is int readyWorkers && (readyWorkers < 1 || readyWorkers > options.Workers))
            failures.Add($"--ready-workers must be between 1 and --workers ({options.Workers}) (got {readyWorkers}); leave it out to require every wanted worker.");
        foreach (string entry in ForwardedAllowIps(options.ForwardedAllowIps))
        {
            if (entry != "*" && !System.Net.IPAddress.TryParse(entry, out _) && !System.Net.IPNetwork.TryParse(entry, out _))
                failures.Add($"--forwarded-allow-ips: '{entry}' is neither an IP address nor a CIDR range (write 10.0.0.0/8, 192.0.2.7, ::1, or * for any peer).");
        }
        if (options.Replicas is < 1 or > 100_000)
            failures.Add($"--replicas must be between 1 and 100000 (got {options.Replicas}): the number of supervisors of this app that share the MySQL server.");
        if (options.MaxBootFailures < 1)
            failures.Add($"--max-boot-failures must be at least 1 (got {options.MaxBootFailures}).");

        if (options.MaxRequests < 0)
            failures.Add($"--max-requests must be 0 (never) or more (got {options.MaxRequests}).");
        if (options.MaxWorkerMemory < 0)
            failures.Add($"--max-worker-memory must be 0 (never) or a number of MiB (got {options.MaxWorkerMemory}).");
        if (!Resources.WorkerHeapLimitSetting.TryParse(options.WorkerHeapLimit, out _))
            failures.Add($"--worker-heap-limit must be auto, off or a size of at least 16M, as 256M or 1G (got '{options.WorkerHeapLimit}').");
        if (options.MaxRequestsJitter < 0)
            failures.Add($"--max-requests-jitter must be 0 or more (got {options.MaxRequestsJitter}).");

        CheckSeconds(failures, "--timeout", options.Timeout);
        CheckSeconds(failures, "--boot-timeout", options.BootTimeout);
        CheckSeconds(failures, "--graceful-timeout", options.GracefulTimeout, allowZero: true);
        CheckSeconds(failures, "--shutdown-delay", options.ShutdownDelay, allowZero: true);

        RequestLimitsValidation.Check(failures, options);

        if (options.LogFormat is not ("text" or "json"))
            failures.Add($"--log-format must be text or json (got '{options.LogFormat}').");

        if (!TryParseMode(options.UnixSocketMode, out _))
            failures.Add($"--unix-socket-mode must be an octal permission such as 660 or 600 (got '{options.UnixSocketMode}').");

        try
        {
            WorkerIdentity.Resolve(options.User, options.Group);
        }
        catch (UsageException e)
        {
            failures.Add(e.Message);
        }

        if (options.PidFile is { } pidFile && CheckPidFile(pidFile) is { } pidFileFailure)
            failures.Add(pidFileFailure);

        if (options.ControlSocket is { } control && (!Path.IsPathFullyQualified(control) || control.EndsWith('/')))
            failures.Add($"--control-socket must be an absolute file path, as in /run/forkhost/control.sock (got '{control}').");

        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (string bind in EffectiveBinds(options))
        {
            try
            {
                BindAddress.Parse(bind);
                if (!seen.Add(bind))
                    failures.Add($"--bind '{bind}' is given twice.");
            }
            catch (UsageException e)
            {
                failures.Add(e.Message);
            }
        }

        if (!string.IsNullOrWhiteSpace(options.MetricsBind) && CheckMetricsBind(options.MetricsBind, EffectiveBinds(options)) is { } metricsFailure)
            failures.Add(metricsFailure);

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    /// <summary>--bind as given, or the default address when none is.</summary>
    public static IReadOnlyList<string> EffectiveBinds(ForkHostOptions options) =>
        options.Bind.Count == 0 ? [ForkHostOptions.DefaultBind] : options.Bind.ToList();

    /// <summary>
    /// --metrics-bind is HOST:PORT, and not an address a --bind also takes: the same port on the same address, or on
    /// all addresses of the family (0.0.0.0, [::]) against any one of them. Binding would report that as EADDRINUSE;
    /// this says which option collides. Port 0 collides with nothing: the kernel picks a free port.
    /// </summary>
    private static string? CheckMetricsBind(string metricsBind, IReadOnlyList<string> binds)
    {
        IPEndPoint metrics;
        try
        {
            metrics = FleetListener.ParseAddress(metricsBind).TcpEndPoint!;
        }
        catch (UsageException e)
        {
            return e.Message;
        }
        foreach (string bind in binds)
        {
            IPEndPoint? other;
            try
            {
                other = BindAddress.Parse(bind).TcpEndPoint;
            }
            catch (UsageException)
            {
                continue; // reported as a --bind failure
            }
            if (other is null || other.Port != metrics.Port || metrics.Port == 0 || other.AddressFamily != metrics.AddressFamily)
                continue;
            if (other.Address.Equals(metrics.Address) || IsWildcard(other.Address) || IsWildcard(metrics.Address))
                return $"--metrics-bind '{metricsBind}' takes the port of --bind '{bind}'; the supervisor's endpoint needs a port of its own (as in 127.0.0.1:9100).";
        }
        return null;
    }

    private static bool IsWildcard(IPAddress address) => address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any);

    /// <summary>
    /// The pid file's directory must exist and be writable now: otherwise the first thing to fail is the control
    /// socket derived next to it, and the error would name --control-socket.
    /// </summary>
    private static string? CheckPidFile(string pidFile)
    {
        string full = Path.GetFullPath(pidFile);
        string directory = Path.GetDirectoryName(full) ?? "/";
        if (pidFile.EndsWith('/') || Directory.Exists(full))
            return $"--pid-file '{pidFile}': {full} is a directory; give a file path, as in /run/forkhost/forkhost.pid.";
        if (!Directory.Exists(directory))
            return $"--pid-file '{pidFile}': directory {directory} does not exist; create it (under systemd, RuntimeDirectory=) or choose another path.";
        if (Interop.Libc.AccessAt(Interop.Libc.AT_FDCWD, directory, Interop.Libc.W_OK | Interop.Libc.X_OK, Interop.Libc.AT_EACCESS) != 0)
        {
            int errno = System.Runtime.InteropServices.Marshal.GetLastPInvokeError();
            return $"--pid-file '{pidFile}': cannot create files in {directory} ({System.Runtime.InteropServices.Marshal.GetPInvokeErrorMessage(errno)}); choose a directory this user may write to.";
        }
        return null;
    }

    internal static void CheckSeconds(List<string> failures, string option, double value, bool allowZero = false)
    {
        if (double.IsNaN(value) || value < 0 || (!allowZero && value == 0) || value > TimeSpan.FromDays(1).TotalSeconds)
            failures.Add($"{option} must be a number of seconds {(allowZero ? "from 0" : "above 0")} up to 86400 (got {value.ToString(CultureInfo.InvariantCulture)}).");
    }

    public static bool TryParseMode(string text, out UnixFileMode mode)
    {
        mode = 0;
        if (text.Length is < 1 or > 4 || text.Any(c => c is < '0' or > '7'))
            return false;
        mode = (UnixFileMode)Convert.ToInt32(text, 8);
        return true;
    }

    /// <summary>--forwarded-allow-ips split into its entries.</summary>
    public static IReadOnlyList<string> ForwardedAllowIps(string? value) =>
        (value ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
}
