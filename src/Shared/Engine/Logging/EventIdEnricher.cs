using Serilog.Core;
using Serilog.Events;

namespace ForkHost.Logging;

/// <summary>
/// The EventId property of an event ForkHost logs through Serilog directly, in the shape Microsoft.Extensions.Logging
/// gives every other event ({ Id, Name }), so collectors filter it alike. Built as a structure here rather than
/// destructured from an object: destructuring reads the object's properties by reflection, which a NativeAOT build
/// may have trimmed away.
/// </summary>
internal sealed class EventIdEnricher(int id, string name) : ILogEventEnricher
{
    private readonly LogEventProperty _property = new("EventId", new StructureValue(
    [
        new LogEventProperty("Id", new ScalarValue(id)),
        new LogEventProperty("Name", new ScalarValue(name)),
    ]));

    public void Enrich(LogEvent logEvent, ILogEventPropertyFactory propertyFactory) => logEvent.AddPropertyIfAbsent(_property);
}
