namespace ForkHost.TestApps;

/// <summary>A public type that does not implement the contract, for the --app TYPE error.</summary>
public sealed class NotAnApp
{
    public override string ToString() => nameof(NotAnApp);
}
