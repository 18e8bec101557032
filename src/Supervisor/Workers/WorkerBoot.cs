using ForkHost.Channel;

namespace ForkHost.Supervisor.Workers;

/// <summary>The boot instructions of one worker: its hello, and the handles it serves with (listeners, inherited connections).</summary>
internal sealed record WorkerBoot(HelloMessage Hello, HandlesMessage Handles, IReadOnlyList<int> Descriptors);
