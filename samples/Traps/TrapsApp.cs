using ForkHost;
using Microsoft.AspNetCore.Builder;

namespace Traps;

/// <summary>
/// The multi-process traps lab's app (<c>forkhost demo --scenarios 7-10</c>). Each trap lives in its own folder and
/// adds its services and endpoints here; configuration chooses the broken or the fixed variant, so a scenario runs
/// the same code both ways.
/// </summary>
public sealed class TrapsApp : IForkHostApp
{
    public Task LoadAsync(AppLoadContext context, CancellationToken cancellationToken) => Task.CompletedTask;

    public void ConfigureBuilder(WorkerContext context, WebApplicationBuilder builder)
    {
        KeyRing.KeyRingTrap.ConfigureBuilder(context, builder);
        Background.BackgroundTrap.ConfigureBuilder(context, builder);
        State.StateTrap.ConfigureBuilder(context, builder);
        Memory.MemoryTrap.ConfigureBuilder(context, builder);
    }

    public void Configure(WorkerContext context, WebApplication app)
    {
        KeyRing.KeyRingTrap.Configure(context, app);
        Background.BackgroundTrap.Configure(context, app);
        State.StateTrap.Configure(context, app);
        Memory.MemoryTrap.Configure(context, app);
    }
}
