using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace ForkHost;

/// <summary>
/// An app ForkHost can serve, named on the command line as <c>--app path/to/App.dll[:Namespace.Type]</c>
/// (like gunicorn's <c>module:app</c>). The type needs a public parameterless constructor.
/// </summary>
/// <remarks>
/// <see cref="LoadAsync"/> runs once, in the supervisor, before any worker exists: it is the code "outside view
/// functions" that gunicorn --preload and uWSGI run in the master. Anything it opens (a database connection, say)
/// stays in the supervisor; ForkHost passes a worker only the handles it chooses to share, and with
/// <c>--inherit fork</c> shares every socket, as fork(2) would. <see cref="ConfigureServices"/> and
/// <see cref="MapEndpoints"/> run in every worker. The hooks are optional.
/// </remarks>
public interface IForkHostApp
{
    /// <summary>Runs once in the supervisor, before the first worker is spawned (and again on reload).</summary>
    Task LoadAsync(AppLoadContext context, CancellationToken cancellationToken);

    /// <summary>Registers the app's services in a worker.</summary>
    void ConfigureServices(WorkerContext context, IServiceCollection services);

    /// <summary>Maps the app's endpoints in a worker.</summary>
    void MapEndpoints(WorkerContext context, IEndpointRouteBuilder endpoints);

    /// <summary>Runs in the supervisor before each worker is spawned, once per slot; when several slots are filled at
    /// once (start, reload), every slot's hook runs before the first of those workers is spawned.</summary>
    Task BeforeSpawnAsync(SpawnContext context, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Runs in a worker once it serves requests, before it reports ready.</summary>
    Task WorkerStartedAsync(WorkerContext context, IServiceProvider services, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Runs in a worker when it begins to stop, while in-flight requests still finish.</summary>
    Task WorkerStoppingAsync(WorkerContext context, IServiceProvider services, CancellationToken cancellationToken) => Task.CompletedTask;
}
