namespace Comments;

/// <summary>What the echo query returned: the number, the session's server-side id and the padding's length.</summary>
public sealed record EchoRow(long Echo, long ConnectionId, int PadLength);
