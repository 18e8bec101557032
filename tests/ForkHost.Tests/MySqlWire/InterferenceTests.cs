using System.Diagnostics;
using System.Globalization;
using ForkHost.Tests.MySql;
using Xunit.Abstractions;

namespace ForkHost.Tests.MySqlWire;

/// <summary>
/// The bug ForkHost reproduces: two workers using copies of one inherited session at the same time. The server sees
/// one session and never complains; each client reads whatever reply comes next.
/// </summary>
[Collection(MySqlCollection.Name)]
public sealed class InterferenceTests(MySqlServerFixture fixture, ITestOutputHelper output)
{
    private const int QueriesPerWorker = 200;
    private const int MaxAttempts = 50;
    private static readonly TimeSpan ReadTimeout = TimeSpan.FromSeconds(1);

    [Fact]
    public async Task Two_holders_of_one_session_get_wrong_answers_or_errors_but_never_hang()
    {
        var total = new Tally();
        int attempts = 0;
        var stopwatch = Stopwatch.StartNew();
        while (attempts < MaxAttempts)
        {
            attempts++;
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            using PooledMySqlSession pooled = await PooledMySqlSession.OpenAsync(fixture.ConnectionString, timeout.Token);
            using InheritedMySqlSession first = pooled.OpenInherited(ReadTimeout);
            using InheritedMySqlSession second = pooled.OpenInherited(ReadTimeout);

            using var start = new Barrier(2);
            Task<Tally> a = Task.Factory.StartNew(() => Hammer(first, 1_000_000, start, timeout.Token), TaskCreationOptions.LongRunning);
            Task<Tally> b = Task.Factory.StartNew(() => Hammer(second, 2_000_000, start, timeout.Token), TaskCreationOptions.LongRunning);
            Tally[] results = await Task.WhenAll(a, b);

            foreach (Tally tally in results)
            {
                output.WriteLine($"attempt {attempts}: {tally}");
                total.Add(tally);
            }

            if (total.Wrong + total.ClientErrors > 0)
                break;
        }

        stopwatch.Stop();
        output.WriteLine($"total over {attempts} attempt(s) in {stopwatch.Elapsed.TotalSeconds:0.00} s: {total}");

        Assert.True(total.Wrong + total.ClientErrors > 0, $"no interference observed: {total}");
        Assert.Equal(0, total.ServerErrors);
        // Each worker stops at its first client error, so the bound is at most one read timeout per worker and attempt.
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(30 * attempts), $"took {stopwatch.Elapsed}");
    }

    private static Tally Hammer(InheritedMySqlSession session, int offset, Barrier start, CancellationToken cancellationToken)
    {
        var tally = new Tally();
        start.SignalAndWait(cancellationToken);
        for (int i = 0; i < QueriesPerWorker; i++)
        {
            string expected = (offset + i).ToString(CultureInfo.InvariantCulture);
            try
            {
                IReadOnlyList<string?[]> rows = session.QueryAsync("SELECT " + expected, cancellationToken).GetAwaiter().GetResult();
                if (rows.Count == 1 && rows[0].Length == 1 && rows[0][0] == expected)
                    tally.Correct++;
                else
                    tally.Wrong++;
            }
            catch (InheritedMySqlException e) when (e.IsClientError)
            {
                tally.ClientErrors++;
                tally.ErrorNumbers.Add(e.ErrorNumber);
                // The session refuses further commands after a client error; a worker would reconnect here.
                break;
            }
            catch (InheritedMySqlException)
            {
                tally.ServerErrors++;
            }
        }

        return tally;
    }

    private sealed class Tally
    {
        public int Correct { get; set; }

        public int Wrong { get; set; }

        public int ClientErrors { get; set; }

        public int ServerErrors { get; set; }

        public List<int> ErrorNumbers { get; } = [];

        public void Add(Tally other)
        {
            Correct += other.Correct;
            Wrong += other.Wrong;
            ClientErrors += other.ClientErrors;
            ServerErrors += other.ServerErrors;
            ErrorNumbers.AddRange(other.ErrorNumbers);
        }

        public override string ToString()
        {
            int answered = Correct + Wrong;
            double wrongRate = answered == 0 ? 0 : (double)Wrong / answered;
            return $"{Correct} correct, {Wrong} wrong ({wrongRate:P1} of answered), {ClientErrors} client errors [{string.Join(", ", ErrorNumbers)}], {ServerErrors} server errors";
        }
    }
}
