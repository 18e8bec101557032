using ForkHost.Tests.Channel;

namespace ForkHost.Tests.Infrastructure;

/// <summary>
/// The test assembly's entry point, in place of the empty one the test SDK would generate; <c>dotnet test</c> never
/// calls it. A test that needs its other side in another process, under limits the test host cannot take on itself
/// (a full descriptor table), starts this assembly again with a role: <c>dotnet exec ForkHost.Tests.dll ROLE</c>.
/// </summary>
internal static class ChildProgram
{
    public const string ChannelReceiverRole = "channel-receiver";

    public static int Main(string[] args)
    {
        if (args is [ChannelReceiverRole])
            return ChannelReceiver.Run();
        Console.Error.WriteLine($"ForkHost.Tests runs under dotnet test; as a program it only plays a test's other side: {ChannelReceiverRole}.");
        return 2;
    }
}
