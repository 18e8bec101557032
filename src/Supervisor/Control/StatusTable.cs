using System.Globalization;
using System.Text;

namespace ForkHost.Supervisor.Control;

/// <summary>The human form of a <see cref="StatusSnapshot"/>: a header, then one row per worker.</summary>
internal static class StatusTable
{
    private static readonly string[] Headings = ["SLOT", "PID", "GEN", "STATE", "UPTIME", "REQUESTS", "IN FLIGHT", "OLDEST", "RSS", "FDS", "HEARTBEAT"];

    /// <summary>Columns aligned to the right hold numbers; STATE and the durations read better on the left.</summary>
    private static readonly bool[] RightAligned = [true, true, true, false, false, true, true, true, true, true, false];

    public static string Format(StatusSnapshot status, string controlSocket)
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture,
            $"forkhost {status.Version}: supervisor pid {status.Pid}, up {Duration(status.UptimeMs)}, generation {status.Generation}{(status.Stopping is { } mode ? $", stopping ({mode})" : "")}{(status.Reload is { } reload ? $", reload: {reload}" : "")}");
        text.AppendLine(CultureInfo.InvariantCulture,
            $"workers: {status.WantedWorkers} wanted, {status.LiveWorkers} live, {status.ReadyWorkers} ready");
        text.AppendLine($"ready: {Fleet.FleetReadiness.Summary(status.Ready, status.ReadyWorkers, status.WantedWorkers, status.RequiredReadyWorkers, status.Stopping)}");
        text.AppendLine($"listening: {string.Join(", ", status.Addresses)}");
        if (status.PlacementLease is { } lease)
            text.AppendLine(CultureInfo.InvariantCulture,
                $"placed services: worker {lease.Slot} (pid {lease.Pid}, generation {lease.Generation}) holds lease {lease.LeaseId}, for {Duration(lease.HeldMs)}{(lease.Revoking ? ", being revoked" : "")}");
        text.AppendLine($"control socket: {controlSocket}");
        text.AppendLine();

        var rows = status.Workers.Select(w => new[]
        {
            Number(w.Slot),
            Number(w.Pid),
            Number(w.Generation),
            w.State,
            Duration(w.UptimeMs),
            w.RequestsServed is { } served ? Number(served) : "-",
            w.RequestsInFlight is { } inFlight ? Number(inFlight) : "-",
            // The oldest request in flight: how long it has run, "-" when none is.
            w.OldestRequestAgeMs is > 0 and { } oldest ? Duration(oldest) : "-",
            w.ResidentBytes is { } rss ? Bytes(rss) : "-",
            Descriptors(w.OpenDescriptors, w.DescriptorLimit),
            w.LastHeartbeatAgeMs is { } age ? string.Create(CultureInfo.InvariantCulture, $"{age / 1000.0:0.0}s ago") : "-",
        }).ToList();

        int[] widths = Headings.Select((heading, column) => rows.Select(row => row[column].Length).Append(heading.Length).Max()).ToArray();
        AppendRow(text, Headings, widths);
        foreach (string[] row in rows)
            AppendRow(text, row, widths);
        return text.ToString();
    }

    private static void AppendRow(StringBuilder text, string[] cells, int[] widths)
    {
        var line = new StringBuilder();
        for (int column = 0; column < cells.Length; column++)
        {
            if (column > 0)
                line.Append("  ");
            line.Append(RightAligned[column] ? cells[column].PadLeft(widths[column]) : cells[column].PadRight(widths[column]));
        }
        text.AppendLine(line.ToString().TrimEnd());
    }

    private static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>Open descriptors against the limit, "57/256"; "?" for a count that failed (a full table), no limit when unlimited.</summary>
    internal static string Descriptors(int? open, int? limit) => (open, limit) switch
    {
        (null, null) => "-",
        _ => $"{(open is { } count ? Number(count) : "?")}{(limit is { } max ? "/" + Number(max) : "")}",
    };

    internal static string Duration(long milliseconds)
    {
        var span = TimeSpan.FromMilliseconds(Math.Max(0, milliseconds));
        return span.TotalMinutes < 1 ? string.Create(CultureInfo.InvariantCulture, $"{span.TotalSeconds:0.0}s")
            : span.TotalHours < 1 ? string.Create(CultureInfo.InvariantCulture, $"{span.Minutes}m {span.Seconds:00}s")
            : span.TotalDays < 1 ? string.Create(CultureInfo.InvariantCulture, $"{span.Hours}h {span.Minutes:00}m")
            : string.Create(CultureInfo.InvariantCulture, $"{(int)span.TotalDays}d {span.Hours:00}h");
    }

    internal static string Bytes(long bytes) => bytes switch
    {
        < 1024 => string.Create(CultureInfo.InvariantCulture, $"{bytes} B"),
        < 1024 * 1024 => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1024.0:0.0} KiB"),
        < 1024L * 1024 * 1024 => string.Create(CultureInfo.InvariantCulture, $"{bytes / (1024.0 * 1024):0.0} MiB"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{bytes / (1024.0 * 1024 * 1024):0.00} GiB"),
    };
}
