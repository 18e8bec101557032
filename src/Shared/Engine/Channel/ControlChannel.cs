using System.Runtime.InteropServices;

namespace ForkHost.Channel;

/// <summary>
/// One end of an AF_UNIX SOCK_SEQPACKET socketpair between the supervisor and one worker. SEQPACKET keeps message
/// boundaries, so a message and the descriptors it carries arrive together in one recvmsg.
/// Sends may come from any thread; receives from one reader at a time, which <see cref="Shutdown"/> wakes.
/// </summary>
internal sealed class ControlChannel : IDisposable
{
    private readonly Lock _sendLock = new();
    private int _fd;

    public ControlChannel(int fd) => _fd = fd;

    public int Descriptor => _fd >= 0 ? _fd : throw new ObjectDisposedException(nameof(ControlChannel));

    /// <summary>
    /// Creates a connected pair. Both ends are close-on-exec; the caller clears it on the worker's end only for the
    /// moment of the spawn.
    /// </summary>
    public static unsafe (ControlChannel First, ControlChannel Second) CreatePair()
    {
        int* fds = stackalloc int[2];
        int result = Interop.Libc.SocketPair(
            Interop.Libc.AF_UNIX, Interop.Libc.SOCK_SEQPACKET | Interop.Libc.SOCK_CLOEXEC, 0, fds);
        FileDescriptors.ThrowIfFailed(result, "socketpair(AF_UNIX, SOCK_SEQPACKET)");
        return (new ControlChannel(fds[0]), new ControlChannel(fds[1]));
    }

    public void Send(ChannelMessage message, IReadOnlyList<int>? descriptors = null) =>
        Send(message, descriptors ?? [], Interop.Libc.MSG_NOSIGNAL);

    /// <summary>
    /// Sends without blocking: false when the peer's receive queue is full (a worker that is not reading), so that the
    /// caller can offer the message elsewhere instead of waiting on it.
    /// </summary>
    public bool TrySend(ChannelMessage message, IReadOnlyList<int> descriptors) =>
        Send(message, descriptors, Interop.Libc.MSG_NOSIGNAL | Interop.Libc.MSG_DONTWAIT);

    private bool Send(ChannelMessage message, IReadOnlyList<int> descriptors, int flags)
    {
        byte[] frame = ChannelMessageCodec.Encode(message);
        if (descriptors.Count > ChannelProtocol.MaxDescriptorsPerMessage)
            throw new ArgumentException($"A message can carry at most {ChannelProtocol.MaxDescriptorsPerMessage} descriptors; {descriptors.Count} were given.", nameof(descriptors));

        lock (_sendLock)
            return SendFrame(frame, descriptors, descriptors.Count, flags);
    }

    private unsafe bool SendFrame(byte[] frame, IReadOnlyList<int> descriptors, int count, int flags)
    {
        int controlLength = count == 0 ? 0 : Interop.Libc.ControlMessageSpace(count * sizeof(int));
        byte* control = stackalloc byte[Math.Max(controlLength, 1)];
        new Span<byte>(control, controlLength).Clear();
        if (count > 0)
        {
            var header = (Interop.Libc.ControlMessageHeader*)control;
            header->Length = (nuint)Interop.Libc.ControlMessageLength(count * sizeof(int));
            header->Level = Interop.Libc.SOL_SOCKET;
            header->Type = Interop.Libc.SCM_RIGHTS;
            var data = (int*)(control + Interop.Libc.ControlMessageDataOffset);
            for (int i = 0; i < count; i++)
                data[i] = descriptors[i];
        }

        fixed (byte* payload = frame)
        {
            var vector = new Interop.Libc.IoVec { Base = payload, Length = (nuint)frame.Length };
            var message = new Interop.Libc.MessageHeader
            {
                IoVectors = &vector,
                IoVectorCount = 1,
                Control = count > 0 ? control : null,
                ControlLength = (nuint)controlLength,
            };
            while (true)
            {
                nint sent = Interop.Libc.SendMsg(Descriptor, &message, flags);
                if (sent >= 0)
                    return true;
                int errno = Marshal.GetLastPInvokeError();
                if (errno == Interop.Errors.EINTR)
                    continue;
                if (errno == Interop.Errors.EAGAIN && (flags & Interop.Libc.MSG_DONTWAIT) != 0)
                    return false;
                if (errno is Interop.Errors.EPIPE or Interop.Errors.ECONNRESET or Interop.Errors.ENOTCONN)
                    throw new ChannelClosedException();
                FileDescriptors.ThrowIfFailed(sent, "sendmsg");
            }
        }
    }

    /// <summary>
    /// Blocks until a message arrives. Received descriptors are close-on-exec (MSG_CMSG_CLOEXEC), so no later spawn
    /// inherits them by accident. Throws <see cref="ChannelClosedException"/> at end of stream,
    /// <see cref="DescriptorsTruncatedException"/> when this process's descriptor table had no room for the descriptors
    /// of a valid message, and <see cref="ChannelProtocolException"/> for anything malformed; each after closing any
    /// descriptors that came with it.
    /// </summary>
    public unsafe ReceivedMessage Receive()
    {
        byte[] buffer = new byte[ChannelProtocol.MaxMessageLength];
        int controlLength = Interop.Libc.ControlMessageSpace(ChannelProtocol.MaxDescriptorsPerMessage * sizeof(int));
        byte* control = stackalloc byte[controlLength];

        nint received;
        Interop.Libc.MessageHeader message;
        fixed (byte* payload = buffer)
        {
            var vector = new Interop.Libc.IoVec { Base = payload, Length = (nuint)buffer.Length };
            while (true)
            {
                message = new Interop.Libc.MessageHeader
                {
                    IoVectors = &vector,
                    IoVectorCount = 1,
                    Control = control,
                    ControlLength = (nuint)controlLength,
                };
                received = Interop.Libc.RecvMsg(Descriptor, &message, Interop.Libc.MSG_CMSG_CLOEXEC);
                if (received >= 0)
                    break;
                int errno = Marshal.GetLastPInvokeError();
                if (errno == Interop.Errors.EINTR)
                    continue;
                if (errno is Interop.Errors.ECONNRESET or Interop.Errors.EBADF /* closed under us by Dispose */)
                    throw new ChannelClosedException();
                FileDescriptors.ThrowIfFailed(received, "recvmsg");
            }
        }

        List<int> descriptors = ReadDescriptors(control, (int)message.ControlLength);
        try
        {
            if (received == 0 && descriptors.Count == 0)
                throw new ChannelClosedException();
            if ((message.Flags & Interop.Libc.MSG_TRUNC) != 0)
                throw new ChannelProtocolException($"Message larger than the channel limit of {ChannelProtocol.MaxMessageLength} bytes.");

            ChannelMessage decoded = ChannelMessageCodec.Decode(buffer.AsSpan(0, (int)received));
            int expected = decoded switch
            {
                HandlesMessage handles => handles.Handles.Count(h => h.Kind != HandleKind.DispatchedListener),
                ConnectionMessage => 1,
                _ => 0,
            };
            if ((message.Flags & Interop.Libc.MSG_CTRUNC) != 0)
            {
                // The control buffer holds every descriptor a valid message can carry, so a cut with fewer than the
                // message describes is the kernel failing to install them here: EMFILE, not the peer's fault.
                if (descriptors.Count < expected)
                    throw new DescriptorsTruncatedException(decoded, expected, descriptors.Count);
                throw new ChannelProtocolException($"{decoded.Type} message carried more descriptors than the {expected} it describes (at most {ChannelProtocol.MaxDescriptorsPerMessage} fit).");
            }
            if (descriptors.Count != expected)
                throw new ChannelProtocolException($"{decoded.Type} message came with {descriptors.Count} descriptors; it describes {expected}.");
            return new ReceivedMessage(decoded, descriptors);
        }
        catch
        {
            FileDescriptors.CloseAll(descriptors);
            throw;
        }
    }

    private static unsafe List<int> ReadDescriptors(byte* control, int length)
    {
        var descriptors = new List<int>();
        int offset = 0;
        int headerSize = sizeof(Interop.Libc.ControlMessageHeader);
        while (offset + headerSize <= length)
        {
            var header = (Interop.Libc.ControlMessageHeader*)(control + offset);
            int messageLength = (int)header->Length;
            if (messageLength < headerSize || offset + messageLength > length)
                break;
            if (header->Level == Interop.Libc.SOL_SOCKET && header->Type == Interop.Libc.SCM_RIGHTS)
            {
                int count = (messageLength - Interop.Libc.ControlMessageDataOffset) / sizeof(int);
                var data = (int*)(control + offset + Interop.Libc.ControlMessageDataOffset);
                for (int i = 0; i < count; i++)
                    descriptors.Add(data[i]);
            }
            offset += Interop.Libc.ControlMessageSpace(messageLength - Interop.Libc.ControlMessageDataOffset);
        }
        return descriptors;
    }

    /// <summary>Wakes a reader blocked in <see cref="Receive"/> (it sees end of stream) without freeing the descriptor under it.</summary>
    public void Shutdown()
    {
        int fd = Volatile.Read(ref _fd);
        if (fd >= 0)
            _ = Interop.Libc.Shutdown(fd, Interop.Libc.SHUT_RDWR);
    }

    public void Dispose()
    {
        int fd = Interlocked.Exchange(ref _fd, -1);
        if (fd >= 0)
            FileDescriptors.Close(fd);
    }
}
