using ForkHost.Supervisor.ForkSafety;
using MySqlConnector;

namespace ForkHost.Tests.Unit;

public sealed class PoolFitCheckTests
{
    [Fact]
    public void The_seeds_280_seconds_against_a_300_second_server_is_too_close_for_MySqlConnectors_reaper()
    {
        var settings = new MySqlConnectionStringBuilder("Server=db;ConnectionIdleTimeout=280;MaximumPoolSize=10");
        string warning = Assert.Single(PoolFitCheck.Evaluate(settings, workers: 4, replicas: 1, waitTimeout: 300, maxConnections: 151));
        Assert.Contains("ConnectionIdleTimeout=280 s plus the pool reaper's 60 s interval reaches the server's wait_timeout (300 s)", warning);
        Assert.Contains("Use ConnectionIdleTimeout=239 or less", warning);
    }

    [Fact]
    public void Defaults_fit_a_default_server_when_the_pools_fit_max_connections()
    {
        var settings = new MySqlConnectionStringBuilder("Server=db;MaximumPoolSize=30");
        Assert.Empty(PoolFitCheck.Evaluate(settings, workers: 4, replicas: 1, waitTimeout: 28800, maxConnections: 151));
    }

    [Fact]
    public void Workers_times_pool_size_above_max_connections_is_reported_with_numbers()
    {
        var settings = new MySqlConnectionStringBuilder("Server=db");
        string warning = Assert.Single(PoolFitCheck.Evaluate(settings, workers: 4, replicas: 1, waitTimeout: 28800, maxConnections: 151));
        Assert.Contains("4 workers × MaximumPoolSize=100 + 1 supervisor session = 401 connections can exceed the server's max_connections (151)", warning);
    }

    [Fact]
    public void Replicas_multiply_the_budget_and_each_supervisor_adds_its_own_session()
    {
        // 4 workers × 30 + 1 = 121 fits 151 for one replica; three replicas need 363.
        var settings = new MySqlConnectionStringBuilder("Server=db;MaximumPoolSize=30");
        Assert.Empty(PoolFitCheck.Evaluate(settings, workers: 4, replicas: 1, waitTimeout: 28800, maxConnections: 151));
        string warning = Assert.Single(PoolFitCheck.Evaluate(settings, workers: 4, replicas: 3, waitTimeout: 28800, maxConnections: 151));
        Assert.Contains("3 replicas × 4 workers × MaximumPoolSize=30 + 3 supervisor sessions = 363 connections can exceed the server's max_connections (151)", warning);
        // (151 - 3 supervisor sessions) / 12 pools = 12 per pool, which fits: 3 × (4 × 12 + 1) = 147.
        Assert.Contains("Lower MaximumPoolSize to 12", warning);
        Assert.Contains("ProxySQL", warning);
        Assert.Equal(warning, PoolFitCheck.ConnectionBudget(settings, workers: 4, replicas: 3, maxConnections: 151));
    }

    [Fact]
    public void The_budget_counts_the_supervisors_sessions_to_the_last_connection()
    {
        // 2 replicas × (3 workers × 10 + 1) = 62: fits 62 exactly, not 61.
        var settings = new MySqlConnectionStringBuilder("Server=db;MaximumPoolSize=10");
        Assert.Null(PoolFitCheck.ConnectionBudget(settings, workers: 3, replicas: 2, maxConnections: 62));
        Assert.NotNull(PoolFitCheck.ConnectionBudget(settings, workers: 3, replicas: 2, maxConnections: 61));
    }

    [Fact]
    public void No_idle_timeout_and_no_reset_check_is_the_seeds_lost_connection()
    {
        var settings = new MySqlConnectionStringBuilder("Server=db;ConnectionIdleTimeout=0;ConnectionReset=false;MaximumPoolSize=5");
        Assert.Contains("never retires idle sessions", Assert.Single(PoolFitCheck.Evaluate(settings, 2, 1, 3, 151)));
    }

    [Theory]
    [InlineData(300, 239)]
    [InlineData(3, 1)]
    [InlineData(28800, 28739)]
    public void The_suggested_idle_timeout_is_retired_before_wait_timeout(int waitTimeout, uint expected)
    {
        uint suggested = PoolFitCheck.SuggestIdleTimeout(waitTimeout);
        Assert.Equal(expected, suggested);
        Assert.True(suggested == 1 || suggested + PoolFitCheck.ReaperInterval(suggested) < waitTimeout);
    }
}
