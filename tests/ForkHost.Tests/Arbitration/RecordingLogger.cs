using Microsoft.Extensions.Logging;

namespace ForkHost.Tests.Arbitration;

/// <summary>Keeps every event the arbiter logs, with its id and rendered message.</summary>
internal sealed class RecordingLogger : ILogger
{
    private readonly Lock _lock = new();
    private readonly List<(int EventId, LogLevel Level, string Message)> _entries = [];

    public IReadOnlyList<(int EventId, LogLevel Level, string Message)> Entries
    {
        get { lock (_lock) return _entries.ToList(); }
    }

    public IReadOnlyList<string> WithId(int eventId) => Entries.Where(e => e.EventId == eventId).Select(e => e.Message).ToList();

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        lock (_lock)
            _entries.Add((eventId.Id, logLevel, formatter(state, exception)));
    }

    public override string ToString() => string.Join("\n", Entries.Select(e => $"[{e.EventId}] {e.Message}"));
}
