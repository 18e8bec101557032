using ForkHost.Sockets;

namespace ForkHost.Tests.Unit;

public sealed class AcceptBackoffTests
{
    [Fact]
    public void Doubles_from_10_ms_up_to_one_second_and_starts_over_after_a_success()
    {
        var backoff = new AcceptBackoff();

        var delays = Enumerable.Range(0, 10).Select(_ => backoff.Next().TotalMilliseconds).ToList();
        Assert.Equal([10, 20, 40, 80, 160, 320, 640, 1000, 1000, 1000], delays);

        backoff.Reset();
        Assert.Equal(TimeSpan.FromMilliseconds(10), backoff.Next());
    }
}
