namespace ForkHost.Tests.OwnExecutable;

/// <summary>What Comments' <c>GET /echo?n=…</c> answers: the number back from the database, and which worker answered.</summary>
internal sealed record EchoAnswer(long N, long? Echo, int Pid, int WorkerId, string? Error);
