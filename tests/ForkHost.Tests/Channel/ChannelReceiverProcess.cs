using System.Diagnostics;
using System.Globalization;
using ForkHost.Channel;
using ForkHost.Supervisor.Processes;
using ForkHost.Tests.Infrastructure;

namespace ForkHost.Tests.Channel;

/// <summary>A <see cref="ChannelReceiver"/> child process, and the test's end of its channel.</summary>
internal sealed class ChannelReceiverProcess : IDisposable
{
    private static readonly TimeSpan ReplyTimeout = TimeSpan.FromSeconds(10);

    private readonly Process _process;

    private ChannelReceiverProcess(Process process, ControlChannel channel)
    {
        _process = process;
        Channel = channel;
    }

    public int Pid => _process.Id;

    public ControlChannel Channel { get; }

    /// <remarks>Spawned as the supervisor spawns workers, so that no other spawn of this process inherits its end.</remarks>
    public static async Task<ChannelReceiverProcess> StartAsync()
    {
        (ControlChannel ours, ControlChannel theirs) = ControlChannel.CreatePair();
        // dotnet test starts the test host with DOTNET_HOST_PATH set to the dotnet it runs on.
        var startInfo = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        startInfo.ArgumentList.Add("exec");
        startInfo.ArgumentList.Add(typeof(ChannelReceiverProcess).Assembly.Location);
        startInfo.ArgumentList.Add(ChildProgram.ChannelReceiverRole);
        startInfo.Environment[ChannelReceiver.ChannelFdVariable] = theirs.Descriptor.ToString(CultureInfo.InvariantCulture);
        // The runtime's diagnostics open a socket and pipes of their own, at times the test does not choose.
        startInfo.Environment["DOTNET_EnableDiagnostics"] = "0";
        Process process = await SpawnThread.Instance.StartAsync(startInfo, () => new InheritableDescriptors([theirs.Descriptor]));
        theirs.Dispose();
        return new ChannelReceiverProcess(process, ours);
    }

    /// <summary>Has the child receive one message and returns what it printed about it.</summary>
    public async Task<string> ReceiveAsync()
    {
        await _process.StandardInput.WriteLineAsync(ChannelReceiver.ReceiveCommand);
        await _process.StandardInput.FlushAsync();
        string? reply = await _process.StandardOutput.ReadLineAsync().WaitAsync(ReplyTimeout);
        return reply ?? throw new InvalidOperationException($"The channel receiver exited: {await _process.StandardError.ReadToEndAsync()}");
    }

    public void Dispose()
    {
        _process.StandardInput.Close();
        if (!_process.WaitForExit(TimeSpan.FromSeconds(5)))
            _process.Kill();
        Channel.Dispose();
        _process.Dispose();
    }
}
