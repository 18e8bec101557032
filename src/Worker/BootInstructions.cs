using ForkHost.Channel;

namespace ForkHost.Worker;

/// <summary>A listening socket received from the supervisor.</summary>
internal sealed record ReceivedListener(int Descriptor, string Address);

/// <summary>Everything the supervisor sent before the worker may boot.</summary>
internal sealed record BootInstructions(
    HelloMessage Hello,
    IReadOnlyList<ReceivedListener> Listeners,
    IReadOnlyList<InheritedConnection> InheritedConnections)
{
    /// <summary>Reads the hello and the handles, in that order; anything else is a protocol error.</summary>
    public static BootInstructions Receive(ControlChannel channel)
    {
        ReceivedMessage first = channel.Receive();
        if (first.Message is not HelloMessage hello)
            throw new ChannelProtocolException($"Expected Hello as the first message, got {first.Message.Type}.");

        ReceivedMessage second = channel.Receive();
        if (second.Message is not HandlesMessage handles)
        {
            FileDescriptors.CloseAll(second.Descriptors);
            throw new ChannelProtocolException($"Expected Handles after Hello, got {second.Message.Type}.");
        }

        var listeners = new List<ReceivedListener>();
        var connections = new List<InheritedConnection>();
        for (int i = 0; i < handles.Handles.Count; i++)
        {
            HandleDescription description = handles.Handles[i];
            int fd = second.Descriptors[i];
            switch (description.Kind)
            {
                case HandleKind.Listener:
                    listeners.Add(new ReceivedListener(fd, description.Address ?? $"fd {fd}"));
                    break;
                case HandleKind.InheritedConnection:
                    connections.Add(new InheritedConnection(
                        fd,
                        description.LocalEndPoint ?? "?",
                        description.RemoteEndPoint ?? "?",
                        description.Service,
                        description.Properties ?? new Dictionary<string, string>()));
                    break;
                default:
                    FileDescriptors.CloseAll(second.Descriptors);
                    throw new ChannelProtocolException($"Handle {i} has unknown kind {description.Kind}.");
            }
        }

        if (listeners.Count == 0)
        {
            FileDescriptors.CloseAll(second.Descriptors);
            throw new ChannelProtocolException("Handles message has no listening socket to serve on.");
        }
        return new BootInstructions(hello, listeners, connections);
    }
}
