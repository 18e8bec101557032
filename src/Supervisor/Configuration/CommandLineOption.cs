namespace ForkHost.Supervisor.Configuration;

internal enum CommandLineOptionKind
{
    /// <summary>Takes one value; the last one given wins.</summary>
    Value,
    /// <summary>Takes one value and may repeat; the values form a list.</summary>
    List,
    /// <summary>A switch: present means true; --name=false turns it off.</summary>
    Flag,
}

/// <param name="Name">The option without dashes, as typed: "graceful-timeout".</param>
/// <param name="Key">The configuration key under "ForkHost": "GracefulTimeout".</param>
internal sealed record CommandLineOption(string Name, string Key, CommandLineOptionKind Kind, string ValueName, string Help);
