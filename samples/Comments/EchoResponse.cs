namespace Comments;

/// <summary><c>GET /echo</c>'s answer, on success (200) and on a database error (500), as JSON.</summary>
/// <param name="Echo">What the database answered; must equal <paramref name="N"/>.</param>
/// <param name="Session">"pool" (the worker's own) or "inherited" (shared with the supervisor and the other workers).</param>
/// <param name="Error">The failure's class (lost-connection, server-gone, …), as the demo counts it; null on success.</param>
public sealed record EchoResponse(long N, long? Echo, long? ConnectionId, int? Pad, string Session, int Pid, int WorkerId, string? Error, string? Message);
