namespace Hello;

/// <summary>What /whoami answers: which process served the request, and which one ran the load step.</summary>
internal sealed record WhoAmI(int Pid, int WorkerId, int Generation, int LoadedBy);
