using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace ForkHost;

/// <summary>
/// An app ForkHost serves, named on the command line as <c>--app path/to/App.dll[:Namespace.Type]</c> (like
/// gunicorn's <c>module:app</c>). The type needs a public parameterless constructor.
/// </summary>
/// <remarks>
/// <para>
/// <see cref="LoadAsync"/> runs once, in the supervisor, before any worker exists: it is the code "outside view
/// functions" that gunicorn --preload and uWSGI run in the master. Anything it opens (a database connection, say)
/// stays in the supervisor; ForkHost passes a worker only the handles it chooses to share.
/// </para>
/// <para>
/// Every worker then does what a <c>Program.cs</c> does: <see cref="ConfigureBuilder"/> gets the
/// <see cref="WebApplicationBuilder"/> (services, <c>builder.WebHost</c> and Kestrel's options, logging,
/// configuration), and <see cref="Configure"/> gets the built <see cref="WebApplication"/> (middleware and endpoints,
/// in the app's order). ForkHost binds the sockets, counts and drains requests, writes the access log and gives
/// every worker one Data Protection key ring; those stay in place whatever the app configures.
/// </para>
/// <para>
/// The older pair, <see cref="ConfigureServices"/> and <see cref="MapEndpoints"/>, keeps working: by default
/// <see cref="ConfigureBuilder"/> calls the first and <see cref="Configure"/> the second. An app implements one pair
/// or the other; one that implements neither is refused at start.
/// </para>
/// </remarks>
public interface IForkHostApp
{
    /// <summary>Runs once in the supervisor, before the first worker is spawned (and again on reload).</summary>
    Task LoadAsync(AppLoadContext context, CancellationToken cancellationToken);

    /// <summary>
    /// Configures a worker's <see cref="WebApplicationBuilder"/>, as the top of a <c>Program.cs</c> does: services,
    /// <c>builder.WebHost.ConfigureKestrel</c>, logging, configuration sources. The default calls
    /// <see cref="ConfigureServices"/>.
    /// </summary>
    /// <remarks>
    /// Kestrel's listening addresses are ForkHost's (<c>--bind</c>): an endpoint the app adds itself fails the
    /// worker's boot. Logging goes to ForkHost's log; providers the app adds are added to it.
    /// </remarks>
    void ConfigureBuilder(WorkerContext context, WebApplicationBuilder builder) => ConfigureServices(context, builder.Services);

    /// <summary>
    /// Configures a worker's built <see cref="WebApplication"/>, as the bottom of a <c>Program.cs</c> does: middleware
    /// (exception handler, static files, authentication, antiforgery…) and endpoints, in the app's order. The default
    /// calls <see cref="MapEndpoints"/>.
    /// </summary>
    void Configure(WorkerContext context, WebApplication app) => MapEndpoints(context, app);

    /// <summary>The older way to register a worker's services; <see cref="ConfigureBuilder"/> is called instead when the app implements it.</summary>
    void ConfigureServices(WorkerContext context, IServiceCollection services)
    {
    }

    /// <summary>The older way to map a worker's endpoints; <see cref="Configure"/> is called instead when the app implements it.</summary>
    void MapEndpoints(WorkerContext context, IEndpointRouteBuilder endpoints)
    {
    }

    /// <summary>Runs in the supervisor before each worker is spawned, once per slot; when several slots are filled at
    /// once (start, reload), every slot's hook runs before the first of those workers is spawned.</summary>
    Task BeforeSpawnAsync(SpawnContext context, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Runs in a worker once it serves requests, before it reports ready.</summary>
    Task WorkerStartedAsync(WorkerContext context, IServiceProvider services, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Runs in a worker when it begins to stop, while in-flight requests still finish.</summary>
    Task WorkerStoppingAsync(WorkerContext context, IServiceProvider services, CancellationToken cancellationToken) => Task.CompletedTask;
}
