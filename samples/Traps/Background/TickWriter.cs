using ForkHost;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using MySqlConnector;

namespace Traps.Background;

/// <summary>
/// The periodic job of trap 2: on every tick of the wall clock (every 250 ms by default, aligned to multiples of the
/// interval so that two copies in two workers write the same tick number) it writes one row saying who ran it. A job
/// that must run once, run by every worker, writes each tick N times.
/// </summary>
internal sealed partial class TickWriter(WorkerContext context, BackgroundTrapOptions options, ILogger<TickWriter> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Its own pool, made in this worker: nothing opened in the supervisor is used here.
        await using MySqlDataSource data = new MySqlDataSourceBuilder(options.ConnectionString).Build();
        await CreateTableAsync(data, stoppingToken);
        long interval = options.TickMilliseconds;
        long written = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            long now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            // Never the same tick twice: a timer may fire a little early, and the clock then still reads the last tick.
            long tick = Math.Max(now / interval + 1, written + 1);
            written = tick;
            try
            {
                await Task.Delay(TimeSpan.FromMilliseconds(tick * interval - now), stoppingToken);
                await WriteAsync(data, tick, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (MySqlException e)
            {
                LogWriteFailed(logger, e, tick);
            }
        }
    }

    private async Task CreateTableAsync(MySqlDataSource data, CancellationToken cancellationToken)
    {
        await using MySqlConnection connection = await data.OpenConnectionAsync(cancellationToken);
        await using var create = new MySqlCommand(
            $"CREATE TABLE IF NOT EXISTS `{options.Table}` (tick BIGINT NOT NULL, pid INT NOT NULL, worker INT NOT NULL, generation INT NOT NULL, supervisor_pid INT NOT NULL, written_at DATETIME(6) NOT NULL, INDEX (tick))",
            connection);
        await create.ExecuteNonQueryAsync(cancellationToken);
    }

    private async Task WriteAsync(MySqlDataSource data, long tick, CancellationToken cancellationToken)
    {
        await using MySqlConnection connection = await data.OpenConnectionAsync(cancellationToken);
        await using var insert = new MySqlCommand(
            $"INSERT INTO `{options.Table}` (tick, pid, worker, generation, supervisor_pid, written_at) VALUES (@tick, @pid, @worker, @generation, @supervisor, UTC_TIMESTAMP(6))",
            connection);
        insert.Parameters.AddWithValue("@tick", tick);
        insert.Parameters.AddWithValue("@pid", Environment.ProcessId);
        insert.Parameters.AddWithValue("@worker", context.WorkerId);
        insert.Parameters.AddWithValue("@generation", context.Generation);
        insert.Parameters.AddWithValue("@supervisor", context.SupervisorPid);
        await insert.ExecuteNonQueryAsync(cancellationToken);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Tick {Tick} not written")]
    private static partial void LogWriteFailed(ILogger logger, Exception exception, long tick);
}
