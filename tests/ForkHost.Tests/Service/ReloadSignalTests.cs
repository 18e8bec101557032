using System.Diagnostics;
using System.Text.Json;
using ForkHost.Logging;
using ForkHost.Tests.Infrastructure;

namespace ForkHost.Tests.Service;

/// <summary>
/// SIGHUP as an operator meets it: edits that race the signals, a broken config file, and a load step slower than the
/// systemd watchdog. Real supervisor, real workers.
/// </summary>
public sealed class ReloadSignalTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("forkhost-reload-").FullName;

    private string ConfigFile => Path.Combine(_directory, "forkhost.json");

    [Fact]
    public async Task Ten_sighups_in_a_second_with_edits_between_them_end_with_every_worker_on_the_last_edit()
    {
        WriteGreeting("first");
        await using var forkhost = ForkHostProcess.Run(RepositoryPaths.HelloApp, "--workers", "2", "--bind", "127.0.0.1:0", "--config", ConfigFile);
        Uri address = await forkhost.WaitForHttpAddressAsync();
        await forkhost.WaitForAllReadyAsync();

        for (int i = 1; i <= 10; i++)
        {
            WriteGreeting(i == 10 ? "last" : $"edit {i}");
            forkhost.Signal(Interop.Signals.SIGHUP);
            await Task.Delay(100);
        }

        using HttpClient client = Http.CreateClient();
        await Eventually.HoldsAsync(() => forkhost.WorkerPids().Count == 2 && GreetingsOf(client, address).Result.All(g => g == "last"),
            TimeSpan.FromSeconds(30), "both workers greet with the last edit", forkhost.Diagnostics);
        // Coalesced, not dropped: far fewer reloads than signals, and none refused or lost.
        int reloads = forkhost.EventsWithId(EventIds.Reloading).Count;
        Assert.InRange(reloads, 2, 9);
        Assert.NotEmpty(forkhost.EventsWithId(EventIds.ReloadQueued));
        Assert.Empty(forkhost.EventsWithId(EventIds.ReloadRefused));
    }

    [Fact]
    public async Task A_malformed_config_file_on_sighup_is_refused_with_its_line_and_the_workers_keep_serving()
    {
        WriteGreeting("before");
        await using var forkhost = ForkHostProcess.Run(RepositoryPaths.HelloApp, "--workers", "2", "--bind", "127.0.0.1:0", "--config", ConfigFile);
        Uri address = await forkhost.WaitForHttpAddressAsync();
        await forkhost.WaitForAllReadyAsync();
        IReadOnlyList<int> workers = forkhost.WorkerPids();

        File.WriteAllText(ConfigFile, "{\n  \"Hello\": {\n    \"Greeting\": \"broken\",,\n  }\n");
        forkhost.Signal(Interop.Signals.SIGHUP);
        SupervisorLogEvent refused = await forkhost.WaitForEventAsync(EventIds.ReloadRefused);

        Assert.Contains("forkhost.json", refused.String("Error"));
        Assert.Contains("line", refused.String("Error"), StringComparison.OrdinalIgnoreCase);
        Assert.Equal(workers.Order(), forkhost.WorkerPids().Order());
        using HttpClient client = Http.CreateClient();
        Assert.All(await GreetingsOf(client, address), greeting => Assert.Equal("before", greeting));

        // Fixed, the next SIGHUP applies it.
        WriteGreeting("after");
        forkhost.Signal(Interop.Signals.SIGHUP);
        await forkhost.WaitForEventAsync(EventIds.Reloaded);
        await Eventually.HoldsAsync(() => GreetingsOf(client, address).Result.All(g => g == "after"),
            TimeSpan.FromSeconds(20), "the fixed file is served", forkhost.Diagnostics);
    }

    [Fact]
    public async Task A_load_step_slower_than_the_watchdog_keeps_it_fed_and_status_answering_while_the_old_generation_serves()
    {
        File.WriteAllText(ConfigFile, """{ "SlowLoad": { "Milliseconds": 0, "Marker": "one" } }""");
        using var notify = new NotifyListener();
        string socket = Path.Combine(_directory, "control.sock");
        await using var forkhost = ForkHostProcess.Start(
            ["run", "--app", RepositoryPaths.TestApp("SlowLoadApp"), "--workers", "1", "--bind", "127.0.0.1:0", "--config", ConfigFile, "--control-socket", socket],
            new Dictionary<string, string> { ["NOTIFY_SOCKET"] = notify.Path, ["WATCHDOG_USEC"] = "1000000" });
        Uri address = await forkhost.WaitForHttpAddressAsync();
        await forkhost.WaitForAllReadyAsync();

        File.WriteAllText(ConfigFile, """{ "SlowLoad": { "Milliseconds": 4000, "Marker": "two" } }""");
        forkhost.Signal(Interop.Signals.SIGHUP);
        await forkhost.WaitForEventAsync(EventIds.Reloading);
        int fedBefore = notify.Messages.Count(m => m == "WATCHDOG=1");
        var during = Stopwatch.StartNew();

        // While the load step sleeps: status answers at once, and the old generation serves.
        await using (var status = ForkHostProcess.Start(["status", "--json", "--control-socket", socket]))
        {
            Assert.Equal(0, await status.WaitForExitAsync(TimeSpan.FromSeconds(3)));
            JsonElement snapshot = JsonDocument.Parse(status.Stdout).RootElement.GetProperty("status");
            Assert.Equal("loading generation 2", snapshot.GetProperty("reload").GetString());
            Assert.Equal(1, snapshot.GetProperty("generation").GetInt32());
        }
        using HttpClient client = Http.CreateClient();
        Assert.Equal("one", (await client.GetStringAsync(address)).Trim());
        await Task.Delay(TimeSpan.FromSeconds(2.5) - during.Elapsed);
        Assert.Empty(forkhost.EventsWithId(EventIds.AppLoaded).Skip(1));
        int fed = notify.Messages.Count(m => m == "WATCHDOG=1") - fedBefore;
        // Every 0.5 s (half of WATCHDOG_USEC) for 2.5 s of a load step that lasts 4 s.
        Assert.InRange(fed, 3, 7);

        await forkhost.WaitForEventAsync(EventIds.Reloaded, timeout: TimeSpan.FromSeconds(20));
        await Eventually.HoldsAsync(() => client.GetStringAsync(address).Result.Trim() == "two", TimeSpan.FromSeconds(10), "the new generation serves");
    }

    private void WriteGreeting(string greeting) =>
        File.WriteAllText(ConfigFile, $$"""{ "Hello": { "Greeting": "{{greeting}}" } }""");

    /// <summary>The greeting of each worker that answers four new connections (each is "GREETING from worker N (pid P)").</summary>
    private static async Task<IReadOnlyList<string>> GreetingsOf(HttpClient client, Uri address)
    {
        var greetings = new List<string>();
        for (int i = 0; i < 4; i++)
        {
            string body = await client.GetStringAsync(address);
            greetings.Add(body[..body.IndexOf(" from worker", StringComparison.Ordinal)]);
        }
        return greetings;
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
