namespace ForkHost.Worker;

/// <summary>Why and how the worker is to stop. A quick stop abandons in-flight requests.</summary>
internal sealed record StopRequest(bool Graceful, TimeSpan Deadline, string Reason);
