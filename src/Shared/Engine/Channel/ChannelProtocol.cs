namespace ForkHost.Channel;

/// <summary>
/// Framing of the supervisor–worker channel: every SEQPACKET message starts with the two magic bytes "FH",
/// the protocol version and the message type, followed by the message as UTF-8 JSON.
/// A new field is added compatibly; anything that changes the meaning of a message bumps <see cref="Version"/>.
/// </summary>
internal static class ChannelProtocol
{
    public const byte Version = 1;
    public const byte Magic0 = (byte)'F';
    public const byte Magic1 = (byte)'H';
    public const int HeaderLength = 4;

    /// <summary>Largest message either side sends or accepts; a larger one is a protocol error.</summary>
    public const int MaxMessageLength = 64 * 1024;

    /// <summary>Most descriptors one message may carry (the kernel's SCM_MAX_FD is 253).</summary>
    public const int MaxDescriptorsPerMessage = 253;

    /// <summary>Name of the environment variable that carries the worker's end of the channel.</summary>
    public const string ChannelFdVariable = "FORKHOST_CHANNEL_FD";

    /// <summary>The supervisor's pid, next to <see cref="ChannelFdVariable"/>: the worker checks it is still its parent.</summary>
    public const string SupervisorPidVariable = "FORKHOST_SUPERVISOR_PID";

    /// <summary>
    /// The argument a supervisor starts its workers with, after its own program: for ps and pgrep only (a worker is
    /// "/proc/self/exe forkhost-worker"), since the role comes from <see cref="ChannelFdVariable"/>.
    /// </summary>
    public const string WorkerMarker = "forkhost-worker";
}
