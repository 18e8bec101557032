using System.Globalization;
using System.Text;
using Serilog.Core;
using Serilog.Events;
using Serilog.Formatting;

namespace ForkHost.Logging;

/// <summary>
/// Writes each event to standard output with a single write(2). The supervisor and every worker share that pipe (or
/// journald's stream), and <see cref="Console.Out"/> flushes a long line in 256-byte pieces, so lines from different
/// processes interleaved mid-event and a log reader lost both. A pipe write of up to PIPE_BUF (4096) bytes is atomic.
/// </summary>
internal sealed class LineAtomicConsoleSink(ITextFormatter formatter) : ILogEventSink, IDisposable
{
    private readonly Stream _standardOutput = Console.OpenStandardOutput();
    private readonly StringWriter _buffer = new(CultureInfo.InvariantCulture);
    private readonly Lock _lock = new();

    public void Emit(LogEvent logEvent)
    {
        lock (_lock)
        {
            _buffer.GetStringBuilder().Clear();
            formatter.Format(logEvent, _buffer);
            try
            {
                _standardOutput.Write(Encoding.UTF8.GetBytes(_buffer.ToString()));
            }
            catch (IOException)
            {
                // Nobody reads our output any more (the pipe's reader is gone): there is nowhere to report it either.
            }
        }
    }

    public void Dispose() => _standardOutput.Dispose();
}
