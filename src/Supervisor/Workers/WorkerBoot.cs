using ForkHost.Channel;

namespace ForkHost.Supervisor.Workers;

/// <summary>The boot instructions of one worker: its hello, and the handles it serves with (listeners, inherited connections).</summary>
/// <param name="Environment">Variables the worker process starts with on top of the supervisor's (its heap hard limit).</param>
internal sealed record WorkerBoot(HelloMessage Hello, HandlesMessage Handles, IReadOnlyList<int> Descriptors, IReadOnlyDictionary<string, string>? Environment = null);
