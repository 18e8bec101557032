using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Timeouts;

namespace ForkHost.TestApps;

/// <summary>
/// Endpoints for the request limits and timeouts, in the contract's new shape: <c>GET /pid</c> names the worker;
/// <c>POST /echo</c> reads the whole body and answers its length; <c>GET /slow?ms=N</c> waits N ms on RequestAborted
/// and counts the waits it cancelled (<c>GET /aborted</c>); <c>GET /slow-disabled?ms=N</c> is the same wait with
/// <c>[DisableRequestTimeout]</c>; <c>GET /hang</c> blocks a thread in <see cref="HangForever"/> until
/// <c>GET /release</c>, as a request stuck in synchronous code does.
/// </summary>
public sealed class LimitsApp : IForkHostApp
{
    private static readonly ManualResetEventSlim Released = new();
    private static int _aborted;

    public Task LoadAsync(AppLoadContext context, CancellationToken cancellationToken) => Task.CompletedTask;

    public void ConfigureBuilder(WorkerContext context, WebApplicationBuilder builder)
    {
    }

    public void Configure(WorkerContext context, WebApplication app)
    {
        app.MapGet("/pid", () => Results.Text($"{Environment.ProcessId}"));
        app.MapPost("/echo", async (HttpRequest request) =>
        {
            long length = 0;
            byte[] buffer = new byte[16 * 1024];
            for (int read; (read = await request.Body.ReadAsync(buffer, request.HttpContext.RequestAborted)) > 0;)
                length += read;
            return Results.Text($"{length}");
        });
        app.MapGet("/slow", (int ms, HttpContext http) => WaitAsync(ms, http));
        app.MapGet("/slow-disabled", [DisableRequestTimeout] (int ms, HttpContext http) => WaitAsync(ms, http));
        app.MapGet("/aborted", () => Results.Text($"{Volatile.Read(ref _aborted)}"));
        app.MapGet("/hang", () =>
        {
            HangForever();
            return Results.Text("released");
        });
        app.MapGet("/release", () =>
        {
            Released.Set();
            return Results.Text("ok");
        });
    }

    private static async Task<IResult> WaitAsync(int ms, HttpContext http)
    {
        try
        {
            await Task.Delay(ms, http.RequestAborted);
        }
        catch (OperationCanceledException)
        {
            Interlocked.Increment(ref _aborted);
            throw;
        }
        return Results.Text("waited");
    }

    /// <summary>Blocks its thread, as sync-over-async or a blocking call that never returns does: a stack shows it.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void HangForever()
    {
        while (!Released.Wait(TimeSpan.FromMilliseconds(100)))
        {
        }
    }
}
