using System.Globalization;
using ForkHost.Channel;

namespace ForkHost.Tests.Channel;

/// <summary>
/// The receiving end of a channel in a process of its own (<see cref="ChannelReceiverProcess"/>), so that a test can
/// shrink that process's descriptor table from outside. For each "receive" line on stdin it receives one message and
/// prints what came, closing any descriptors at once; it exits at end of input. Everything it runs after its first
/// messages is already loaded, so a full table costs it nothing but the descriptors themselves.
/// </summary>
internal static class ChannelReceiver
{
    public const string ChannelFdVariable = "FORKHOST_TEST_CHANNEL_FD";

    public const string ReceiveCommand = "receive";

    public static int Run()
    {
        int fd = int.Parse(Environment.GetEnvironmentVariable(ChannelFdVariable)!, CultureInfo.InvariantCulture);
        using var channel = new ControlChannel(fd);
        while (Console.ReadLine() is ReceiveCommand)
            Console.WriteLine(ReceiveOne(channel));
        return 0;
    }

    private static string ReceiveOne(ControlChannel channel)
    {
        try
        {
            ReceivedMessage received = channel.Receive();
            FileDescriptors.CloseAll(received.Descriptors);
            return $"received {received.Message.Type} {received.Descriptors.Count}";
        }
        catch (DescriptorsTruncatedException e)
        {
            return $"truncated {e.ChannelMessage.Type}: {e.Received} of {e.Expected}";
        }
        catch (Exception e) when (e is ChannelProtocolException or ChannelClosedException)
        {
            return $"{e.GetType().Name}: {e.Message}";
        }
    }
}
