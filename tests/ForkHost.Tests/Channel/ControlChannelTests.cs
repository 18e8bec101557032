using ForkHost.Channel;
using ForkHost.Tests.Infrastructure;

namespace ForkHost.Tests.Channel;

/// <summary>The channel over a real socketpair, with real descriptors passed by SCM_RIGHTS.</summary>
public sealed class ControlChannelTests
{
    [Fact]
    public void A_descriptor_sent_with_a_message_arrives_close_on_exec_and_refers_to_the_same_file()
    {
        (ControlChannel supervisor, ControlChannel worker) = ControlChannel.CreatePair();
        using var _ = supervisor;
        using var __ = worker;
        string path = Path.GetTempFileName();
        try
        {
            ReceivedMessage received;
            int fd;
            using (var file = File.Open(path, FileMode.Open, FileAccess.ReadWrite))
            {
                fd = (int)file.SafeFileHandle.DangerousGetHandle();
                supervisor.Send(new HandlesMessage([new HandleDescription(HandleKind.Listener, Address: "test")]), [fd]);
                received = worker.Receive();
            }

            int copy = Assert.Single(received.Descriptors);
            Assert.NotEqual(fd, copy);
            Assert.True(FileDescriptors.IsCloseOnExec(copy));
            using (var stream = new FileStream(new Microsoft.Win32.SafeHandles.SafeFileHandle(copy, ownsHandle: true), FileAccess.Write))
                stream.Write("through the pipe"u8);
            Assert.Equal("through the pipe", File.ReadAllText(path));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void A_connection_message_needs_exactly_one_descriptor_and_a_dispatched_listener_none()
    {
        using var pair = new ChannelPair();
        (ControlChannel supervisor, ControlChannel worker) = (pair.First, pair.Second);
        using var connection = new ChannelPair();
        ControlChannel connectionA = connection.First;

        Assert.True(supervisor.TrySend(new ConnectionMessage(0), [connectionA.Descriptor]));
        ReceivedMessage received = worker.Receive();
        Assert.Equal(0, Assert.IsType<ConnectionMessage>(received.Message).Listener);
        FileDescriptors.CloseAll(received.Descriptors);

        supervisor.Send(new ConnectionMessage(0));
        Assert.Contains("came with 0 descriptors; it describes 1", Assert.Throws<ChannelProtocolException>(() => worker.Receive()).Message);

        // A dispatched listener is only an address: the Handles message carries descriptors for the other handles alone.
        supervisor.Send(new HandlesMessage([
            new HandleDescription(HandleKind.DispatchedListener, Address: "http://127.0.0.1:1"),
            new HandleDescription(HandleKind.InheritedConnection, LocalEndPoint: "a", RemoteEndPoint: "b")]), [connectionA.Descriptor]);
        received = worker.Receive();
        Assert.Single(received.Descriptors);
        FileDescriptors.CloseAll(received.Descriptors);
    }

    [Fact]
    public void A_non_blocking_send_reports_a_peer_that_does_not_read_instead_of_waiting_for_it()
    {
        using var pair = new ChannelPair();
        (ControlChannel supervisor, ControlChannel worker) = (pair.First, pair.Second);
        using var connection = new ChannelPair();
        ControlChannel connectionA = connection.First;

        int sent = 0;
        while (supervisor.TrySend(new ConnectionMessage(0), [connectionA.Descriptor]))
            Assert.True(++sent < 100_000, "the peer's queue never filled");
        Assert.True(sent > 0);

        // Once the peer reads, there is room again.
        FileDescriptors.CloseAll(worker.Receive().Descriptors);
        Assert.True(supervisor.TrySend(new ConnectionMessage(0), [connectionA.Descriptor]));
    }

    [Fact]
    public void Garbage_from_a_fake_peer_is_rejected_and_its_descriptors_are_closed()
    {
        (ControlChannel supervisor, ControlChannel worker) = ControlChannel.CreatePair();
        using var _ = supervisor;
        using var __ = worker;

        // A Ready message (which carries no descriptors) that comes with one: both malformed and leaking if mishandled.
        (ControlChannel extraA, ControlChannel extraB) = ControlChannel.CreatePair();
        using var ___ = extraB;
        int extra = extraA.Descriptor;
        supervisor.Send(new ReadyMessage(1, 1, 0), [extra]);
        extraA.Dispose();
        var error = Assert.Throws<ChannelProtocolException>(() => worker.Receive());
        Assert.Contains("came with 1 descriptors", error.Message);
        // The received copy was closed, so the other end now sees end of stream.
        Assert.Throws<ChannelClosedException>(() => extraB.Receive());

        RawFrames.Send(supervisor.Descriptor, "\x00\x01garbage"u8.ToArray());
        Assert.Throws<ChannelProtocolException>(() => worker.Receive());

        RawFrames.Send(supervisor.Descriptor, new byte[ChannelProtocol.MaxMessageLength + 100]);
        Assert.Contains("larger than the channel limit", Assert.Throws<ChannelProtocolException>(() => worker.Receive()).Message);
    }

    [Fact]
    public void The_peer_closing_its_end_is_end_of_stream_not_a_hang()
    {
        (ControlChannel supervisor, ControlChannel worker) = ControlChannel.CreatePair();
        using var _ = worker;
        supervisor.Dispose();
        Assert.Throws<ChannelClosedException>(() => worker.Receive());
        Assert.Throws<ChannelClosedException>(() => worker.Send(new StopMessage(true, 1)));
    }

    [Fact]
    public async Task Shutdown_wakes_a_blocked_reader()
    {
        (ControlChannel supervisor, ControlChannel worker) = ControlChannel.CreatePair();
        using var _ = supervisor;
        using var __ = worker;
        var reader = Task.Run(() => Assert.Throws<ChannelClosedException>(() => worker.Receive()));
        await Task.Delay(100);
        worker.Shutdown();
        await reader.WaitAsync(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task Descriptors_the_receiver_has_no_room_for_are_cut_off_those_that_arrived_are_closed_and_the_channel_goes_on()
    {
        using ChannelReceiverProcess receiver = await ChannelReceiverProcess.StartAsync();
        ControlChannel channel = receiver.Channel;
        var carried = new[] { new ChannelPair(), new ChannelPair(), new ChannelPair() };
        using var connection = new ChannelPair();
        var threeHandles = new HandlesMessage([.. carried.Select(_ => new HandleDescription(HandleKind.Listener, Address: "test"))]);
        try
        {
            // First with room, so that the receiver has run every path it needs before its table is full.
            channel.Send(threeHandles, [.. carried.Select(pair => pair.First.Descriptor)]);
            Assert.Equal("received Handles 3", await receiver.ReceiveAsync());
            Assert.True(channel.TrySend(new ConnectionMessage(0), [connection.First.Descriptor]));
            Assert.Equal("received Connection 1", await receiver.ReceiveAsync());

            // Room for exactly one more descriptor: the kernel installs the first of three and drops the rest.
            int free = ProcessTable.LowestFreeDescriptor(receiver.Pid);
            ProcessLimits.SetSoftDescriptorLimit(receiver.Pid, free + 1);
            int open = ProcessTable.Descriptors(receiver.Pid).Count;
            channel.Send(threeHandles, [.. carried.Select(pair => pair.First.Descriptor)]);
            foreach (ChannelPair pair in carried)
                pair.First.Dispose();
            Assert.Equal("truncated Handles: 1 of 3", await receiver.ReceiveAsync());

            // The one that arrived was closed: the count is as before, and no copy of any of the three is left
            // anywhere, since each one's peer sees end of stream.
            Assert.Equal(open, ProcessTable.Descriptors(receiver.Pid).Count);
            foreach (ChannelPair pair in carried)
                await AssertEndOfStreamAsync(pair.Second);

            // The channel is still in step, and the one free number is free again: the next message fits whole.
            Assert.True(channel.TrySend(new ConnectionMessage(0), [connection.First.Descriptor]));
            Assert.Equal("received Connection 1", await receiver.ReceiveAsync());

            // No room at all: a Connection message, the worker's case, arrives with none of its descriptor.
            ProcessLimits.SetSoftDescriptorLimit(receiver.Pid, free);
            Assert.True(channel.TrySend(new ConnectionMessage(0), [connection.First.Descriptor]));
            Assert.Equal("truncated Connection: 0 of 1", await receiver.ReceiveAsync());
            Assert.Equal(open, ProcessTable.Descriptors(receiver.Pid).Count);

            ProcessLimits.SetSoftDescriptorLimit(receiver.Pid, free + 1);
            Assert.True(channel.TrySend(new ConnectionMessage(0), [connection.First.Descriptor]));
            Assert.Equal("received Connection 1", await receiver.ReceiveAsync());
        }
        finally
        {
            foreach (ChannelPair pair in carried)
                pair.Dispose();
        }
    }

    private static async Task AssertEndOfStreamAsync(ControlChannel end)
    {
        Task<ReceivedMessage> reading = Task.Run(end.Receive);
        try
        {
            await Assert.ThrowsAsync<ChannelClosedException>(() => reading.WaitAsync(TimeSpan.FromSeconds(5)));
        }
        finally
        {
            // Wakes the reader if a copy is still open somewhere and the assertion failed.
            end.Shutdown();
        }
    }

    /// <summary>A socketpair whose two ends go with one using.</summary>
    private sealed class ChannelPair : IDisposable
    {
        public ChannelPair() => (First, Second) = ControlChannel.CreatePair();

        public ControlChannel First { get; }

        public ControlChannel Second { get; }

        public void Dispose()
        {
            First.Dispose();
            Second.Dispose();
        }
    }
}
