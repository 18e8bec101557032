using ForkHost.Supervisor.Fleet;
using Microsoft.Extensions.Time.Testing;

namespace ForkHost.Tests.Unit;

/// <summary>/livez's arithmetic: the loop is stuck when it has not turned for <see cref="SupervisorHealth.StuckAfter"/>.</summary>
public sealed class SupervisorHealthTests
{
    private static readonly FleetReadiness Serving = new(2, 2, 2, null, IsCurrent: true);

    [Fact]
    public void The_loop_is_live_until_it_misses_turns_for_the_threshold()
    {
        var time = new FakeTimeProvider();
        var health = new SupervisorHealth(time, Serving);
        health.RecordTurn(Serving);

        time.Advance(SupervisorHealth.StuckAfter - TimeSpan.FromMilliseconds(100));
        Assert.True(health.IsLive);
        time.Advance(TimeSpan.FromMilliseconds(100));
        Assert.False(health.IsLive);

        health.RecordTurn(Serving);
        Assert.True(health.IsLive);
    }

    [Fact]
    public void Before_the_first_turn_the_supervisor_is_loading_and_counts_as_live()
    {
        var time = new FakeTimeProvider();
        var health = new SupervisorHealth(time, FleetReadiness.Starting(Arbitration.ArbiterHarness.DefaultSettings, isCurrent: true));
        time.Advance(TimeSpan.FromMinutes(5));
        Assert.False(health.LoopStarted);
        Assert.True(health.IsLive);
        Assert.False(health.Readiness.IsReady);
    }

    [Fact]
    public void The_endpoint_is_served_from_the_first_current_turn_until_the_handover()
    {
        var health = new SupervisorHealth(new FakeTimeProvider(), Serving with { IsCurrent = false });
        Assert.False(health.BecameCurrent.IsCompleted);
        health.RecordTurn(Serving with { IsCurrent = false });
        Assert.False(health.NoLongerCurrent.IsCompleted);

        health.RecordTurn(Serving);
        Assert.True(health.BecameCurrent.IsCompleted);
        Assert.True(health.Readiness.IsReady);

        health.RecordTurn(Serving with { IsCurrent = false });
        Assert.True(health.NoLongerCurrent.IsCompleted);
        Assert.False(health.Readiness.IsReady);
    }
}
