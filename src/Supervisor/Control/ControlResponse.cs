namespace ForkHost.Supervisor.Control;

/// <summary>The one line the supervisor answers with: <c>ok</c> and the snapshot, or not <c>ok</c> and why.</summary>
internal sealed record ControlResponse(int Version, bool Ok, string? Error, StatusSnapshot? Status)
{
    public static ControlResponse Success(StatusSnapshot status) => new(ControlProtocol.Version, true, null, status);

    public static ControlResponse Failure(string error) => new(ControlProtocol.Version, false, error, null);
}
