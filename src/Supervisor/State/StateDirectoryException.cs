namespace ForkHost.Supervisor.State;

/// <summary>The state directory cannot be used; the message says why, in words an operator can act on.</summary>
internal sealed class StateDirectoryException(string message) : Exception(message);
