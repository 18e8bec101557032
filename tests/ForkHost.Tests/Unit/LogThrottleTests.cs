using ForkHost.Logging;
using ForkHost.Tests.Infrastructure;

namespace ForkHost.Tests.Unit;

public sealed class LogThrottleTests
{
    [Fact]
    public void Logs_the_first_occurrence_then_one_per_interval_with_the_count_it_swallowed()
    {
        var clock = new ManualTimeProvider();
        var throttle = new LogThrottle(TimeSpan.FromSeconds(5), clock);

        Assert.True(throttle.ShouldLog(out int suppressed));
        Assert.Equal(0, suppressed);
        for (int i = 0; i < 1000; i++)
        {
            clock.Advance(TimeSpan.FromMilliseconds(4));
            Assert.False(throttle.ShouldLog(out _));
        }

        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.True(throttle.ShouldLog(out suppressed));
        Assert.Equal(1000, suppressed);

        clock.Advance(TimeSpan.FromMinutes(1));
        Assert.True(throttle.ShouldLog(out suppressed));
        Assert.Equal(0, suppressed);
    }
}
