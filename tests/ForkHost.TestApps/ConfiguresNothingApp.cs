namespace ForkHost.TestApps;

/// <summary>Implements the contract's load step and nothing a worker would serve, for the "configures no worker" error.</summary>
public sealed class ConfiguresNothingApp : IForkHostApp
{
    public Task LoadAsync(AppLoadContext context, CancellationToken cancellationToken) => Task.CompletedTask;
}
