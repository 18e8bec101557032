using System.Net;
using System.Net.Http.Json;
using ForkHost.Logging;
using ForkHost.Tests.Infrastructure;
using ForkHost.TestApps;

namespace ForkHost.Tests.DataProtection;

/// <summary>
/// One Data Protection key ring for every worker of a supervisor, kept across reloads and restarts (real processes,
/// <c>--balance dispatch</c> so that consecutive connections reach different workers).
/// </summary>
public sealed class KeyRingTests : IDisposable
{
    private const int Workers = 4;
    private readonly string _root = Directory.CreateTempSubdirectory("forkhost-keyring-test-").FullName;

    private string StateDirectory => Path.Combine(_root, "state");

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public async Task A_payload_one_worker_protects_every_worker_accepts_after_a_reload_and_a_restart()
    {
        string payload;
        await using (var forkhost = Start())
        {
            Uri address = await forkhost.WaitForHttpAddressAsync();
            await forkhost.WaitForAllReadyAsync();
            SupervisorLogEvent ready = Assert.Single(forkhost.EventsWithId(EventIds.KeyRingReady));
            Assert.Equal(Path.Combine(StateDirectory, "data-protection-keys"), ready.String("Directory"));

            using HttpClient client = Http.CreateClient();
            payload = (await GetAsync(client, address, "/protect?value=minted")).Answer!.Value!;
            await AssertEveryWorkerUnprotectsAsync(forkhost, client, address, payload);

            forkhost.Signal(Interop.Signals.SIGHUP);
            await forkhost.WaitForEventAsync(EventIds.Reloaded, timeout: TimeSpan.FromSeconds(60));
            await AssertEveryWorkerUnprotectsAsync(forkhost, client, address, payload);
            await forkhost.StopAsync(TimeSpan.FromSeconds(20));
        }

        await using (var restarted = Start())
        {
            Uri address = await restarted.WaitForHttpAddressAsync();
            await restarted.WaitForAllReadyAsync();
            using HttpClient client = Http.CreateClient();
            await AssertEveryWorkerUnprotectsAsync(restarted, client, address, payload);
        }
        // The supervisor made the first key; workers starting together made none of their own.
        Assert.Single(Directory.GetFiles(Path.Combine(StateDirectory, "data-protection-keys"), "key-*.xml"));
    }

    [Fact]
    public async Task Without_any_state_directory_the_supervisor_warns_and_no_key_is_written_in_the_working_directory()
    {
        string workingDirectory = Directory.CreateDirectory(Path.Combine(_root, "cwd")).FullName;
        await using var forkhost = ForkHostProcess.Start(
            ["run", "--app", RepositoryPaths.TestApp(nameof(KeyRingApp)), "--workers", $"{Workers}", "--balance", "dispatch", "--bind", "127.0.0.1:0"],
            NoStateEnvironment(), workingDirectory: workingDirectory);
        Uri address = await forkhost.WaitForHttpAddressAsync();
        await forkhost.WaitForAllReadyAsync();

        SupervisorLogEvent warning = Assert.Single(forkhost.EventsWithId(EventIds.KeyRingUnavailable));
        Assert.Contains("none of $STATE_DIRECTORY, $XDG_STATE_HOME and $HOME is set", warning.String("Reason"));
        using HttpClient client = Http.CreateClient();
        string payload = (await GetAsync(client, address, "/protect?value=minted")).Answer!.Value!;
        // The trap the shared ring removes, measured: every other worker rejects the payload.
        var rejectedBy = new HashSet<int>();
        var seen = new HashSet<int>();
        await UntilAsync(async () =>
        {
            (HttpStatusCode status, KeyRingApp.Answer? answer) = await GetAsync(client, address, $"/unprotect?payload={Uri.EscapeDataString(payload)}");
            seen.Add(answer!.Pid);
            if (status == HttpStatusCode.Conflict)
                rejectedBy.Add(answer.Pid);
            return seen.Count == Workers;
        }, "every worker answered", forkhost);
        Assert.Equal(Workers - 1, rejectedBy.Count);
        Assert.Empty(Directory.EnumerateFileSystemEntries(workingDirectory));
    }

    [Fact]
    public async Task An_app_that_configures_its_own_key_repository_keeps_it_and_each_worker_says_so()
    {
        string own = Directory.CreateDirectory(Path.Combine(_root, "own-keys")).FullName;
        await using var forkhost = Start(new Dictionary<string, string> { ["KeyRingApp__OwnKeys"] = own });
        Uri address = await forkhost.WaitForHttpAddressAsync();
        await forkhost.WaitForAllReadyAsync();
        using HttpClient client = Http.CreateClient();
        Assert.Equal(HttpStatusCode.OK, (await GetAsync(client, address, "/protect?value=mine")).Status);

        Assert.Equal(Workers, forkhost.EventsWithId(EventIds.WorkerAppKeyRing).Count);
        Assert.NotEmpty(Directory.GetFiles(own, "key-*.xml"));
    }

    [Fact]
    public async Task A_state_dir_the_workers_user_cannot_reach_is_one_line_and_exit_code_2_before_anything_is_bound()
    {
        Assert.True(Interop.Libc.GetUserId() == 0, "this test needs root, as the CI machine has");
        string locked = Directory.CreateDirectory(Path.Combine(_root, "locked")).FullName;
        File.SetUnixFileMode(locked, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        string state = Path.Combine(locked, "state");

        await using var forkhost = ForkHostProcess.Run(RepositoryPaths.HelloApp, "--bind", "127.0.0.1:0", "--user", "nobody", "--state-dir", state);

        Assert.Equal(2, await forkhost.WaitForExitAsync());
        Assert.Equal(
            $"forkhost: --state-dir '{state}': the workers' user (uid 65534) cannot reach it: {locked} is mode 700, owned by uid 0; choose a state directory outside it, such as /var/lib/forkhost.",
            forkhost.Stderr.Trim());
        Assert.Empty(forkhost.EventsWithId(EventIds.Listening));
    }

    private SupervisorProcess Start(IDictionary<string, string>? environment = null) => ForkHostProcess.Start(
        ["run", "--app", RepositoryPaths.TestApp(nameof(KeyRingApp)), "--workers", $"{Workers}", "--balance", "dispatch",
         "--bind", "127.0.0.1:0", "--state-dir", StateDirectory],
        environment);

    /// <summary>As under the shipped unit before StateDirectory= existed: no HOME, no XDG state, no systemd state.</summary>
    private static Dictionary<string, string> NoStateEnvironment() => new()
    {
        // SupervisorProcess removes a variable given as null; ForkHostProcess takes strings, so blank ones read as unset.
        ["HOME"] = "",
        ["XDG_STATE_HOME"] = "",
        ["STATE_DIRECTORY"] = "",
    };

    private static async Task AssertEveryWorkerUnprotectsAsync(SupervisorProcess forkhost, HttpClient client, Uri address, string payload)
    {
        var served = new HashSet<int>();
        await UntilAsync(async () =>
        {
            (HttpStatusCode status, KeyRingApp.Answer? answer) = await GetAsync(client, address, $"/unprotect?payload={Uri.EscapeDataString(payload)}");
            Assert.True(status == HttpStatusCode.OK, $"worker {answer?.Pid} rejected the payload: {answer?.Error}");
            Assert.Equal("minted", answer!.Value);
            served.Add(answer.Pid);
            return served.Count == Workers;
        }, $"all {Workers} workers unprotected the payload", forkhost);
        Assert.Subset(forkhost.WorkerPids().ToHashSet(), served);
    }

    /// <summary>Consecutive connections, dealt out in turn by the dispatcher, until every worker has answered.</summary>
    private static async Task UntilAsync(Func<Task<bool>> done, string what, SupervisorProcess forkhost)
    {
        for (int attempt = 0; attempt < 200; attempt++)
        {
            if (await done())
                return;
        }
        Assert.Fail($"Not true after 200 requests: {what}\n{forkhost.Diagnostics()}");
    }

    private static async Task<(HttpStatusCode Status, KeyRingApp.Answer? Answer)> GetAsync(HttpClient client, Uri address, string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(address, path));
        request.Headers.ConnectionClose = true;
        using HttpResponseMessage response = await client.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadFromJsonAsync<KeyRingApp.Answer>());
    }
}
