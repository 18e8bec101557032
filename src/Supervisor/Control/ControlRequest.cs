using System.Text.Json.Serialization;

namespace ForkHost.Supervisor.Control;

/// <summary>
/// One request on the control socket: <c>{"version":1,"command":"status"}</c> and a newline. Both members are nullable
/// so that a request missing one gets an error naming it, rather than a bare JSON exception; unknown members are an
/// error too, so that a client written for a later version is told, not silently half-served.
/// </summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
internal sealed record ControlRequest(int? Version = null, string? Command = null)
{
    public static ControlRequest Status { get; } = new(ControlProtocol.Version, ControlProtocol.StatusCommand);
}
