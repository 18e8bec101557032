using ForkHost.Channel;
using ForkHost.Tests.Infrastructure;

namespace ForkHost.Tests.Channel;

/// <summary>The real worker executable facing a supervisor that breaks the protocol: a clear error and exit, never a hang.</summary>
public sealed class WorkerProtocolTests
{
    [Fact]
    public async Task Garbage_instead_of_a_hello_ends_the_worker_with_exit_code_4()
    {
        using var fake = await FakeSupervisor.StartAsync();
        RawFrames.Send(fake.Channel.Descriptor, "GET / HTTP/1.1\r\n\r\n"u8.ToArray());

        (int exitCode, string stderr) = await fake.WaitForExitAsync();
        Assert.Equal(4, exitCode);
        Assert.Contains("protocol error from the supervisor", stderr);
        Assert.Contains("magic bytes", stderr);
    }

    [Fact]
    public async Task A_message_out_of_order_ends_the_worker_with_exit_code_4()
    {
        using var fake = await FakeSupervisor.StartAsync();
        fake.Channel.Send(new StopMessage(true, 1000));

        (int exitCode, string stderr) = await fake.WaitForExitAsync();
        Assert.Equal(4, exitCode);
        Assert.Contains("Expected Hello as the first message, got Stop", stderr);
    }

    [Fact]
    public async Task A_hello_from_a_newer_protocol_version_is_refused_with_advice()
    {
        using var fake = await FakeSupervisor.StartAsync();
        byte[] frame = ChannelMessageCodec.Encode(new StopMessage(true, 1));
        frame[2] = ChannelProtocol.Version + 1;
        RawFrames.Send(fake.Channel.Descriptor, frame);

        (int exitCode, string stderr) = await fake.WaitForExitAsync();
        Assert.Equal(4, exitCode);
        Assert.Contains("same ForkHost build", stderr);
    }

    [Fact]
    public async Task A_worker_whose_supervisor_is_not_its_parent_exits_at_once_as_an_orphan()
    {
        using var fake = await FakeSupervisor.StartAsync(supervisorPid: 1);
        (int exitCode, string stderr) = await fake.WaitForExitAsync();
        Assert.Equal(5, exitCode);
        Assert.Contains("already gone", stderr);
    }

    [Fact]
    public async Task Started_by_hand_as_a_worker_forkhost_says_how_a_worker_is_meant_to_run()
    {
        var startInfo = new System.Diagnostics.ProcessStartInfo(RepositoryPaths.Worker) { RedirectStandardError = true };
        startInfo.ArgumentList.Add(ChannelProtocol.WorkerMarker);
        using var process = System.Diagnostics.Process.Start(startInfo)!;
        string stderr = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Equal(2, process.ExitCode);
        Assert.Contains("a worker is started by its supervisor", stderr);
    }

    [Fact]
    public async Task A_worker_of_another_build_than_its_supervisors_refuses_to_boot_naming_both_builds_and_exits_2()
    {
        using var fake = await FakeSupervisor.StartAsync();
        const string supervisorBuild = "Elsewhere 9.9.9 (build 000000000000)";
        fake.Channel.Send(new HelloMessage(1, 1, Environment.ProcessId, new WorkerConfiguration(RepositoryPaths.HelloApp, "Hello.HelloApp", 512, 1000, 1000, "json",
            new Dictionary<string, string?>(), new Dictionary<string, string>()), supervisorBuild));
        fake.Channel.Send(new HandlesMessage([new HandleDescription(HandleKind.DispatchedListener, "http://127.0.0.1:1")]));

        (int exitCode, string stderr) = await fake.WaitForExitAsync();
        Assert.True(exitCode == 2, $"exit code {exitCode}: {stderr}");
        // Sent before it exited: still in the channel.
        var refused = Assert.IsType<BootFailedMessage>(fake.Channel.Receive().Message);

        // The worker is forkhost, as the test's own build compiled it: its build is the tool's.
        Assert.StartsWith("forkhost ", refused.WorkerBuild);
        Assert.Contains(refused.WorkerBuild!, refused.Reason);
        Assert.Contains(supervisorBuild, refused.Reason);
        Assert.Contains("USR2", refused.Reason);
        Assert.Contains(supervisorBuild, stderr);
    }
}
