namespace ForkHost.Supervisor.Configuration;

/// <summary>The user asked for something that cannot work; the message names the option, the value and the fix. Exit 2.</summary>
internal sealed class UsageException(string message) : Exception(message);
