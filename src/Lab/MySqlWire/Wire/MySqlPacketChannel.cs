namespace ForkHost.Lab.MySqlWire;

/// <summary>
/// Frames MySQL packets (3-byte length, 1-byte sequence id, payload) over a <see cref="MySqlRawTransport"/> and
/// checks each sequence id against the one the command's exchange expects. Bytes read past a packet stay buffered
/// for the next read, as in any client library.
/// </summary>
internal sealed class MySqlPacketChannel(MySqlRawTransport transport, TimeSpan timeout)
{
    private const int HeaderLength = 4;
    internal const int MaxPayloadLength = 0xFF_FFFF;

    private byte[] _buffer = new byte[16 * 1024];
    private int _start;
    private int _end;

    /// <summary>The sequence id the next packet (sent or received) must carry.</summary>
    public byte NextSequenceId { get; private set; }

    public void StartCommand() => NextSequenceId = 0;

    /// <summary>Sends one logical payload, split into 16 MiB - 1 pieces as the protocol requires.</summary>
    public void Write(ReadOnlySpan<byte> payload, CancellationToken cancellationToken)
    {
        int offset = 0;
        while (true)
        {
            int length = Math.Min(payload.Length - offset, MaxPayloadLength);
            byte[] packet = new byte[HeaderLength + length];
            packet[0] = (byte)length;
            packet[1] = (byte)(length >> 8);
            packet[2] = (byte)(length >> 16);
            packet[3] = NextSequenceId++;
            payload.Slice(offset, length).CopyTo(packet.AsSpan(HeaderLength));
            transport.SendAll(packet, timeout, cancellationToken);
            offset += length;
            // A payload that fills a packet exactly is followed by an empty one, so the reader knows it ended.
            if (length < MaxPayloadLength)
                return;
        }
    }

    /// <summary>Reads one logical payload (joining continuation packets) and checks the sequence ids.</summary>
    public byte[] Read(CancellationToken cancellationToken)
    {
        byte[]? joined = null;
        while (true)
        {
            Fill(HeaderLength, cancellationToken);
            int length = _buffer[_start] | _buffer[_start + 1] << 8 | _buffer[_start + 2] << 16;
            byte sequenceId = _buffer[_start + 3];
            if (sequenceId != NextSequenceId)
                throw InheritedMySqlException.PacketOutOfOrder(NextSequenceId, sequenceId);
            NextSequenceId++;

            Fill(HeaderLength + length, cancellationToken);
            ReadOnlySpan<byte> piece = _buffer.AsSpan(_start + HeaderLength, length);
            _start += HeaderLength + length;

            if (joined is null && length < MaxPayloadLength)
                return piece.ToArray();

            joined = joined is null ? piece.ToArray() : [.. joined, .. piece];
            if (length < MaxPayloadLength)
                return joined;
        }
    }

    /// <summary>Bytes received but not yet consumed: after a complete exchange, a sign someone else's reply is queued.</summary>
    public int Buffered => _end - _start;

    private void Fill(int count, CancellationToken cancellationToken)
    {
        if (_end - _start >= count)
            return;

        if (_buffer.Length < count)
        {
            byte[] larger = new byte[Math.Max(count, _buffer.Length * 2)];
            _buffer.AsSpan(_start, _end - _start).CopyTo(larger);
            _buffer = larger;
            _end -= _start;
            _start = 0;
        }
        else if (_buffer.Length - _start < count)
        {
            _buffer.AsSpan(_start, _end - _start).CopyTo(_buffer);
            _end -= _start;
            _start = 0;
        }

        while (_end - _start < count)
            _end += transport.Receive(_buffer.AsSpan(_end), timeout, cancellationToken);
    }
}
