using System.Security.Cryptography;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace ForkHost.TestApps;

/// <summary>
/// The 12-line app, in the contract's new shape: one request protects a string, the next unprotects it, and
/// each answer names the worker's pid. With <c>KeyRingApp__OwnKeys</c> set (a directory), the app keeps its own key
/// ring there, as an app that configures Data Protection itself does.
/// </summary>
public sealed class KeyRingApp : IForkHostApp
{
    public const string Purpose = "ForkHost.TestApps.KeyRingApp";

    public Task LoadAsync(AppLoadContext context, CancellationToken cancellationToken) => Task.CompletedTask;

    public void ConfigureBuilder(WorkerContext context, WebApplicationBuilder builder)
    {
        IDataProtectionBuilder protection = builder.Services.AddDataProtection();
        if (builder.Configuration["KeyRingApp:OwnKeys"] is { Length: > 0 } own)
            protection.PersistKeysToFileSystem(new DirectoryInfo(own));
    }

    public void Configure(WorkerContext context, WebApplication app)
    {
        app.MapGet("/protect", (string value, IDataProtectionProvider provider) =>
            Results.Json(new Answer(Environment.ProcessId, provider.CreateProtector(Purpose).Protect(value))));
        app.MapGet("/unprotect", (string payload, IDataProtectionProvider provider) =>
        {
            try
            {
                return Results.Json(new Answer(Environment.ProcessId, provider.CreateProtector(Purpose).Unprotect(payload)));
            }
            catch (CryptographicException e)
            {
                return Results.Json(new Answer(Environment.ProcessId, null, e.Message), statusCode: StatusCodes.Status409Conflict);
            }
        });
    }

    public sealed record Answer(int Pid, string? Value, string? Error = null);
}
