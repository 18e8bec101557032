namespace MyApp;

/// <summary>What /whoami answers: the worker that served the request, and the supervisor that ran the load step.</summary>
public sealed record WhoAmI(int Pid, int WorkerId, int Generation, int LoadedBy);
