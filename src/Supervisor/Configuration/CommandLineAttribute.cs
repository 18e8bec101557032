namespace ForkHost.Supervisor.Configuration;

/// <summary>
/// Makes a <see cref="ForkHostOptions"/> property a <c>forkhost run</c> option: its name on the command line, the
/// shape of its value and its help line. The configuration key is the property's name; whether it takes a value,
/// repeats or is a switch follows from the property's type (<see cref="RunCommandLine"/>). One declaration per
/// option: the binding, the command line and <c>--help</c> all read it from here.
/// </summary>
[AttributeUsage(AttributeTargets.Property)]
internal sealed class CommandLineAttribute(string name, string valueName, string help) : Attribute
{
    /// <summary>Without dashes, as typed: "graceful-timeout".</summary>
    public string Name { get; } = name;

    public string ValueName { get; } = valueName;

    public string Help { get; } = help;
}
