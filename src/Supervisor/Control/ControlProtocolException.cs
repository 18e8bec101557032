namespace ForkHost.Supervisor.Control;

/// <summary>A line on the control socket that is not what the protocol allows; the message is what the peer is told.</summary>
internal sealed class ControlProtocolException(string message) : Exception(message);
