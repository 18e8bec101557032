using ForkHost.Descriptors;
using ForkHost.Tests.Infrastructure;
using ForkHost.Worker.Descriptors;
using Microsoft.Extensions.Time.Testing;

namespace ForkHost.Tests.Unit;

/// <summary>What a worker's heartbeat says about whether it can still serve, on a hand-driven clock.</summary>
public sealed class WorkerHealthTests
{
    private const string Address = "http://127.0.0.1:8000";

    private readonly FakeTimeProvider _time = new();
    private readonly FakeDescriptorTable _table = new() { Open = 200, Limit = 1024 };
    private readonly DescriptorBudget _budget;
    private readonly WorkerHealth _health;

    public WorkerHealthTests()
    {
        _budget = _table.CreateBudget(_time);
        _health = new WorkerHealth(_budget, _time);
    }

    [Fact]
    public void Accepting_that_fails_without_a_success_for_five_seconds_is_unhealthy()
    {
        Assert.Null(_health.UnhealthyReason());

        _health.AcceptFailed(Address, "Too many open files");
        _time.Advance(WorkerHealth.FailingTooLong - TimeSpan.FromMilliseconds(100));
        // Failing again does not restart the clock: it is the time without a success that counts.
        _health.AcceptFailed(Address, "Too many open files");
        Assert.Null(_health.UnhealthyReason());

        _time.Advance(TimeSpan.FromMilliseconds(100));
        Assert.Equal($"accepting on {Address} fails: Too many open files (without a success for 5 s)", _health.UnhealthyReason());
    }

    [Fact]
    public void A_successful_accept_clears_the_failures_and_the_next_ones_are_timed_afresh()
    {
        _health.AcceptFailed(Address, "Cannot allocate memory");
        _time.Advance(TimeSpan.FromSeconds(10));
        Assert.NotNull(_health.UnhealthyReason());

        _health.AcceptRecovered();
        Assert.Null(_health.UnhealthyReason());

        _health.AcceptFailed(Address, "Cannot allocate memory");
        _time.Advance(TimeSpan.FromSeconds(4));
        Assert.Null(_health.UnhealthyReason());
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.NotNull(_health.UnhealthyReason());
    }

    [Fact]
    public void An_accept_loop_that_ended_is_unhealthy_at_once_and_for_good()
    {
        _health.AcceptEnded(Address, new InvalidOperationException("boom"));
        Assert.Equal($"accepting on {Address} ended: InvalidOperationException: boom", _health.UnhealthyReason());

        _health.AcceptRecovered();
        _time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal($"accepting on {Address} ended: InvalidOperationException: boom", _health.UnhealthyReason());
    }

    [Fact]
    public void Own_descriptors_that_leave_no_room_for_five_seconds_are_unhealthy_until_a_count_finds_room()
    {
        _table.Open = 1000;
        _budget.Measure();
        _time.Advance(TimeSpan.FromSeconds(4));
        Assert.Null(_health.UnhealthyReason());

        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.StartsWith("1000 of 1024 descriptors open", _health.UnhealthyReason(), StringComparison.Ordinal);

        _table.Open = 200;
        _budget.Measure();
        Assert.Null(_health.UnhealthyReason());
    }
}
