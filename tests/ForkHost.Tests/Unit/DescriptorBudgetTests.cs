using ForkHost.Descriptors;
using ForkHost.Tests.Infrastructure;
using Microsoft.Extensions.Time.Testing;

namespace ForkHost.Tests.Unit;

/// <summary>The descriptor reserve a worker (and the dispatching supervisor) keeps, against a table set by hand.</summary>
public sealed class DescriptorBudgetTests
{
    private readonly FakeTimeProvider _time = new();

    [Theory]
    [InlineData(64, 32)]
    [InlineData(256, 32)]
    [InlineData(263, 32)]
    [InlineData(512, 64)]
    [InlineData(1024, 128)]
    [InlineData(2048, 256)]
    [InlineData(1_048_576, 256)]
    public void The_reserve_is_an_eighth_of_the_limit_at_least_32_and_at_most_256(int limit, int reserve) =>
        Assert.Equal(reserve, DescriptorBudget.ReserveFor(limit));

    [Fact]
    public void Headroom_is_the_limit_less_the_reserve_and_what_is_open_and_follows_connections_between_counts()
    {
        var table = new FakeDescriptorTable { Open = 300, Limit = 1024 };
        DescriptorBudget budget = table.CreateBudget(_time);
        Assert.Equal(300, budget.OpenDescriptors);
        Assert.Equal(1024, budget.Limit);
        Assert.Equal(1024 - 128 - 300, budget.ConnectionHeadroom);

        // Ten connections opened since the count: each takes a descriptor, though the table has not been counted again.
        table.Connections = 10;
        Assert.Equal(1024 - 128 - 310, budget.ConnectionHeadroom);

        // Counted again, the ten are in the table and not counted twice.
        table.Open = 310;
        budget.Measure();
        Assert.Equal(1024 - 128 - 310, budget.ConnectionHeadroom);

        table.Connections = 0;
        Assert.Equal(1024 - 128 - 300, budget.ConnectionHeadroom);
    }

    [Fact]
    public void There_is_no_room_once_only_the_reserve_is_left_and_headroom_never_goes_below_zero()
    {
        var table = new FakeDescriptorTable { Open = 1024 - 128 - 1, Limit = 1024 };
        DescriptorBudget budget = table.CreateBudget(_time);
        Assert.Equal(1, budget.ConnectionHeadroom);
        Assert.True(budget.HasRoom);

        table.Connections = 1;
        Assert.Equal(0, budget.ConnectionHeadroom);
        Assert.False(budget.HasRoom);

        table.Connections = 50;
        Assert.Equal(0, budget.ConnectionHeadroom);
        Assert.False(budget.HasRoom);
    }

    [Fact]
    public void A_count_that_fails_means_the_table_is_full()
    {
        var table = new FakeDescriptorTable { Open = 300, Limit = 1024 };
        DescriptorBudget budget = table.CreateBudget(_time);
        Assert.True(budget.HasRoom);

        table.Open = null;
        budget.Measure();
        Assert.Null(budget.OpenDescriptors);
        Assert.Equal(0, budget.ConnectionHeadroom);
        Assert.False(budget.HasRoom);
    }

    [Fact]
    public void Without_a_limit_there_is_always_room_and_never_starvation()
    {
        var table = new FakeDescriptorTable { Open = 100_000, Limit = null };
        DescriptorBudget budget = table.CreateBudget(_time);
        Assert.Equal(int.MaxValue, budget.ConnectionHeadroom);
        _time.Advance(TimeSpan.FromMinutes(1));
        budget.Measure();
        Assert.Null(budget.StarvationReason());
    }

    [Fact]
    public void Own_descriptors_that_leave_no_room_for_a_connection_are_starvation_after_five_seconds()
    {
        var table = new FakeDescriptorTable { Open = 1000, Limit = 1024 };
        DescriptorBudget budget = table.CreateBudget(_time);
        Assert.Null(budget.StarvationReason());

        _time.Advance(DescriptorBudget.StarvedTooLong - TimeSpan.FromMilliseconds(100));
        budget.Measure();
        Assert.Null(budget.StarvationReason());

        _time.Advance(TimeSpan.FromMilliseconds(100));
        string? reason = budget.StarvationReason();
        Assert.NotNull(reason);
        Assert.Contains("1000 of 1024 descriptors open (1000 of them not connections) for 5 s", reason, StringComparison.Ordinal);
        Assert.Contains("beside the 128 kept free", reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_table_full_of_its_own_connections_is_busy_not_starved()
    {
        var table = new FakeDescriptorTable { Open = 1000, Limit = 1024, Connections = 990 };
        DescriptorBudget budget = table.CreateBudget(_time);
        Assert.False(budget.HasRoom);

        _time.Advance(TimeSpan.FromSeconds(30));
        budget.Measure();
        Assert.Null(budget.StarvationReason());
    }

    [Fact]
    public void A_count_with_room_ends_starvation_and_the_next_shortage_is_timed_from_its_own_start()
    {
        var table = new FakeDescriptorTable { Open = 1000, Limit = 1024 };
        DescriptorBudget budget = table.CreateBudget(_time);
        _time.Advance(TimeSpan.FromSeconds(4));

        table.Open = 300;
        budget.Measure();
        Assert.True(budget.HasRoom);

        _time.Advance(TimeSpan.FromSeconds(2));
        table.Open = 1000;
        budget.Measure();
        Assert.Null(budget.StarvationReason());

        _time.Advance(TimeSpan.FromSeconds(4));
        Assert.Null(budget.StarvationReason());
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.NotNull(budget.StarvationReason());

        table.Open = 300;
        budget.Measure();
        Assert.Null(budget.StarvationReason());
    }
}
