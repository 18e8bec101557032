using System.Diagnostics;

namespace ForkHost.Tests.Infrastructure;

internal static class Eventually
{
    /// <summary>Polls until <paramref name="condition"/> holds; fails with <paramref name="what"/> after the timeout.</summary>
    public static async Task<TimeSpan> HoldsAsync(Func<bool> condition, TimeSpan timeout, string what, Func<string>? diagnostics = null)
    {
        var watch = Stopwatch.StartNew();
        while (!condition())
        {
            if (watch.Elapsed > timeout)
                Assert.Fail($"Not true within {timeout.TotalSeconds} s: {what}\n{diagnostics?.Invoke()}");
            await Task.Delay(10);
        }
        return watch.Elapsed;
    }
}
