namespace ForkHost.Supervisor.Control;

/// <summary>Nothing answers on the control socket, or this user may not open it: <c>forkhost status</c> exits 2.</summary>
internal sealed class ControlUnavailableException(string message) : Exception(message);
