using System.Security.Claims;
using ForkHost;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Traps.KeyRing;

/// <summary>
/// Trap 1, one key ring per process: a login cookie is Data Protection's ciphertext, so a worker whose key ring differs
/// from the one that minted it reads it as no cookie. ForkHost's shared key ring (the state directory) is the fix; the
/// app does nothing special, which is the point.
/// </summary>
internal static class KeyRingTrap
{
    public static void ConfigureBuilder(WorkerContext context, WebApplicationBuilder builder)
    {
        builder.Services.AddAuthentication(CookieAuthenticationDefaults.AuthenticationScheme)
            .AddCookie(options =>
            {
                options.Cookie.Name = "traps-login";
                // An API-style answer, not a redirect to a login page: the lab counts 401s.
                options.Events.OnRedirectToLogin = redirect =>
                {
                    redirect.Response.StatusCode = StatusCodes.Status401Unauthorized;
                    return Task.CompletedTask;
                };
            });
        builder.Services.AddAuthorization();
    }

    public static void Configure(WorkerContext context, WebApplication app)
    {
        app.UseAuthentication();
        app.UseAuthorization();
        IEndpointRouteBuilder endpoints = app;
        endpoints.MapPost("/keyring/login", async (HttpContext http) =>
        {
            var identity = new ClaimsIdentity([new Claim(ClaimTypes.Name, "lab")], CookieAuthenticationDefaults.AuthenticationScheme);
            await http.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme, new ClaimsPrincipal(identity));
            return Results.Text($"logged in at worker {context.WorkerId}\n");
        });
        endpoints.MapGet("/keyring/me", (HttpContext http) => Results.Text($"{http.User.Identity!.Name} at worker {context.WorkerId} pid {Environment.ProcessId}\n"))
            .RequireAuthorization();
    }
}
