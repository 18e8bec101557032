using System.Diagnostics;
using System.Globalization;
using MySqlConnector;

// The database alone: the /echo query with no HTTP in front, from C CONNECTIONS concurrent sessions for D seconds.
// Each session is opened once and kept (no pool checkout, no reset per query): the most the server gives this
// query at this concurrency on this machine, the ceiling the HTTP servers are measured against.
// Usage: db-ceiling CONNECTIONS SECONDS N PAD   (the database from FORKHOST_MYSQL). Prints one JSON line.
if (args.Length != 4
    || !int.TryParse(args[0], CultureInfo.InvariantCulture, out int connections) || connections < 1
    || !double.TryParse(args[1], CultureInfo.InvariantCulture, out double seconds) || seconds <= 0
    || !long.TryParse(args[2], CultureInfo.InvariantCulture, out long n)
    || !int.TryParse(args[3], CultureInfo.InvariantCulture, out int pad))
{
    Console.Error.WriteLine("usage: db-ceiling CONNECTIONS SECONDS N PAD   (the database from FORKHOST_MYSQL)");
    return 2;
}
string connectionString = Environment.GetEnvironmentVariable("FORKHOST_MYSQL")
    ?? throw new InvalidOperationException("FORKHOST_MYSQL is not set.");

long errors = 0;
var sessions = new List<MySqlConnection>();
for (int i = 0; i < connections; i++)
{
    var connection = new MySqlConnection(connectionString + ";Pooling=false");
    await connection.OpenAsync();
    sessions.Add(connection);
}

// A short warm-up, as wrk's first second warms the servers' JITs, pools and caches.
await RunAsync(TimeSpan.FromSeconds(0.5));
errors = 0;
var watch = Stopwatch.StartNew();
List<double>[] latencies = await RunAsync(TimeSpan.FromSeconds(seconds));
double elapsed = watch.Elapsed.TotalSeconds;

double[] all = latencies.SelectMany(l => l).Order().ToArray();
double Percentile(double p) => all.Length == 0 ? 0 : all[Math.Min(all.Length - 1, (int)Math.Ceiling(p / 100 * all.Length) - 1)];
Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"{{\"requests\":{all.Length},\"seconds\":{elapsed:0.000},\"rps\":{all.Length / elapsed:0.0},\"p50_ms\":{Percentile(50):0.000},\"p99_ms\":{Percentile(99):0.000},\"errors\":{errors}}}"));
foreach (MySqlConnection session in sessions)
    await session.DisposeAsync();
return 0;

async Task<List<double>[]> RunAsync(TimeSpan duration)
{
    var stop = Stopwatch.StartNew();
    return await Task.WhenAll(sessions.Select(async session =>
    {
        var times = new List<double>(capacity: 1 << 16);
        await using var command = new MySqlCommand("SELECT @n, CONNECTION_ID(), REPEAT('x', @pad)", session);
        command.Parameters.AddWithValue("@n", n);
        command.Parameters.AddWithValue("@pad", pad);
        while (stop.Elapsed < duration)
        {
            long started = Stopwatch.GetTimestamp();
            try
            {
                await using MySqlDataReader reader = await command.ExecuteReaderAsync();
                if (!await reader.ReadAsync() || reader.GetInt64(0) != n || reader.GetString(2).Length != pad)
                    Interlocked.Increment(ref errors);
            }
            catch (MySqlException)
            {
                Interlocked.Increment(ref errors);
            }
            times.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
        return times;
    }));
}
