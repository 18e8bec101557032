using System.Globalization;

namespace ForkHost.Supervisor.Resources;

/// <summary>
/// --worker-heap-limit: auto (each worker's share of the cgroup's memory limit, when there is one), off (the
/// runtime's default: every worker sizes its heap from the whole limit) or a size for every worker.
/// </summary>
/// <param name="Bytes">For a size: the heap hard limit of each worker; 0 for auto and off.</param>
internal sealed record WorkerHeapLimitSetting(WorkerHeapLimitMode Mode, long Bytes)
{
    public static readonly WorkerHeapLimitSetting Auto = new(WorkerHeapLimitMode.Auto, 0);
    public static readonly WorkerHeapLimitSetting Off = new(WorkerHeapLimitMode.Off, 0);

    /// <summary>The smallest size accepted: below it a worker cannot even start ASP.NET Core.</summary>
    public const long MinimumBytes = 16L * 1024 * 1024;

    /// <summary>auto, off, or a size: bytes, or a number with K, M, G or T (powers of 1024), as in 256M or 1.5G.</summary>
    public static bool TryParse(string? text, out WorkerHeapLimitSetting setting)
    {
        setting = Auto;
        string value = (text ?? "").Trim();
        if (value.Length == 0 || value.Equals("auto", StringComparison.OrdinalIgnoreCase))
            return true;
        if (value.Equals("off", StringComparison.OrdinalIgnoreCase))
        {
            setting = Off;
            return true;
        }
        long multiplier = char.ToUpperInvariant(value[^1]) switch
        {
            'K' => 1L << 10,
            'M' => 1L << 20,
            'G' => 1L << 30,
            'T' => 1L << 40,
            _ => 1,
        };
        string number = multiplier == 1 ? value : value[..^1];
        if (!double.TryParse(number, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double amount)
            || amount * multiplier is var bytes && (bytes < MinimumBytes || bytes > 1L << 50))
            return false;
        setting = new WorkerHeapLimitSetting(WorkerHeapLimitMode.Size, (long)(amount * multiplier));
        return true;
    }

    public override string ToString() => Mode switch
    {
        WorkerHeapLimitMode.Auto => "auto",
        WorkerHeapLimitMode.Off => "off",
        _ => WorkerHeapBudget.MiB(Bytes),
    };
}
