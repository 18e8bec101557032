using System.Diagnostics;
using System.Runtime.InteropServices;

namespace ForkHost.Lab.MySqlWire;

/// <summary>
/// Byte I/O on a socket descriptor this process shares with others, with plain libc calls. It deliberately avoids
/// System.Net.Sockets.Socket: that wrapper sets O_NONBLOCK on the shared open file description and may shutdown(2)
/// the socket when disposed, which would change or end the session for every other holder.
/// Every call is non-blocking (MSG_DONTWAIT) and waits in poll(2): the file description may be blocking or not,
/// depending on what another holder did, and readable data announced by poll may be taken by another process
/// before our recv runs, so a blocking recv could wait forever.
/// </summary>
internal sealed class MySqlRawTransport(int descriptor)
{
    // Cancellation is only observed between poll waits, so keep them short.
    private static readonly TimeSpan PollSlice = TimeSpan.FromMilliseconds(100);

    public int Descriptor { get; } = descriptor;

    /// <summary>Sends all of <paramref name="data"/>; failures are 2006 (the server can't be reached any more).</summary>
    public unsafe void SendAll(ReadOnlySpan<byte> data, TimeSpan timeout, CancellationToken cancellationToken)
    {
        fixed (byte* start = data)
        {
            int sent = 0;
            while (sent < data.Length)
            {
                nint result = Interop.Libc.Send(Descriptor, start + sent, (nuint)(data.Length - sent),
                    Interop.Libc.MSG_NOSIGNAL | Interop.Libc.MSG_DONTWAIT);
                if (result >= 0)
                {
                    sent += (int)result;
                    continue;
                }

                int errno = Marshal.GetLastPInvokeError();
                if (errno == Interop.Errors.EINTR)
                    continue;
                if (errno != Interop.Errors.EAGAIN)
                    throw InheritedMySqlException.Gone($"send failed: {Describe(errno)}");
                if (!WaitFor(Interop.Libc.POLLOUT, timeout, cancellationToken, out int pollError))
                    throw pollError == 0
                        ? InheritedMySqlException.Gone($"send timed out after {timeout.TotalSeconds:0.###} s")
                        : InheritedMySqlException.Gone($"poll failed: {Describe(pollError)}");
            }
        }
    }

    /// <summary>
    /// Receives at least one byte into <paramref name="buffer"/>; end of stream, errors and
    /// <paramref name="timeout"/> without any byte arriving are 2013 (lost during the query).
    /// </summary>
    public unsafe int Receive(Span<byte> buffer, TimeSpan timeout, CancellationToken cancellationToken)
    {
        fixed (byte* start = buffer)
        {
            while (true)
            {
                nint result = Interop.Libc.Recv(Descriptor, start, (nuint)buffer.Length, Interop.Libc.MSG_DONTWAIT);
                if (result > 0)
                    return (int)result;
                if (result == 0)
                    throw InheritedMySqlException.Lost("the server closed the connection");

                int errno = Marshal.GetLastPInvokeError();
                if (errno == Interop.Errors.EINTR)
                    continue;
                if (errno != Interop.Errors.EAGAIN)
                    throw InheritedMySqlException.Lost($"recv failed: {Describe(errno)}");
                if (!WaitFor(Interop.Libc.POLLIN, timeout, cancellationToken, out int pollError))
                    throw pollError == 0
                        ? InheritedMySqlException.Lost($"no reply within the read timeout of {timeout.TotalSeconds:0.###} s")
                        : InheritedMySqlException.Lost($"poll failed: {Describe(pollError)}");
            }
        }
    }

    /// <summary>
    /// Waits until <paramref name="events"/> (or an error or hang-up, which the following call then reports) is
    /// signalled; false on timeout (<paramref name="errno"/> 0) or when poll itself fails.
    /// </summary>
    private unsafe bool WaitFor(short events, TimeSpan timeout, CancellationToken cancellationToken, out int errno)
    {
        errno = 0;
        long started = Stopwatch.GetTimestamp();
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            TimeSpan left = timeout - Stopwatch.GetElapsedTime(started);
            if (left <= TimeSpan.Zero)
                return false;

            var descriptor = new Interop.Libc.PollDescriptor { Descriptor = Descriptor, Events = events };
            int wait = (int)Math.Ceiling(Math.Min(left.TotalMilliseconds, PollSlice.TotalMilliseconds));
            int ready = Interop.Libc.Poll(&descriptor, 1, wait);
            if (ready < 0)
            {
                int error = Marshal.GetLastPInvokeError();
                if (error == Interop.Errors.EINTR)
                    continue;
                errno = error;
                return false;
            }

            if (ready == 0)
                continue;
            if ((descriptor.ReturnedEvents & Interop.Libc.POLLNVAL) != 0)
            {
                errno = Interop.Errors.EBADF;
                return false;
            }

            return true;
        }
    }

    private static string Describe(int errno) => $"{Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})";
}
