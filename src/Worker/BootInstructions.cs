using ForkHost.Channel;

namespace ForkHost.Worker;

/// <summary>
/// An address to serve: a listening socket received from the supervisor, or, with --balance dispatch, no socket
/// (<paramref name="Descriptor"/> null) and connections arriving one by one on the channel, tagged with
/// <paramref name="Index"/>, the listener's position in the Handles message.
/// </summary>
/// <param name="Settings">How to serve it, as the supervisor parsed its --bind: TLS, HTTP versions, PROXY protocol.</param>
internal sealed record ReceivedListener(int? Descriptor, string Address, int Index, ListenerSettings Settings);

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
        int nextDescriptor = 0;
        for (int i = 0; i < handles.Handles.Count; i++)
        {
            HandleDescription description = handles.Handles[i];
            if (description.Kind == HandleKind.DispatchedListener)
            {
                listeners.Add(new ReceivedListener(null, description.Address ?? $"listener {listeners.Count}", listeners.Count,
                    description.Listener ?? ListenerSettings.Http));
                continue;
            }
            int fd = second.Descriptors[nextDescriptor++];
            switch (description.Kind)
            {
                case HandleKind.Listener:
                    listeners.Add(new ReceivedListener(fd, description.Address ?? $"fd {fd}", listeners.Count,
                        description.Listener ?? ListenerSettings.Http));
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
