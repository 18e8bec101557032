namespace Comments;

/// <summary><c>GET /health</c>'s answer: <c>{"status":"ok","inheritedSessions":N}</c>. A record, not an anonymous type:
/// only a named type can have its serializer generated (<see cref="CommentsJsonContext"/>).</summary>
/// <param name="InheritedSessions">How many sessions inherited from the supervisor this worker holds (--inherit fork).</param>
public sealed record HealthResponse(string Status, int InheritedSessions);
