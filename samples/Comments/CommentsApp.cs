using System.Globalization;
using System.Security.Claims;
using ForkHost;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.ResponseCompression;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using MySqlConnector;

namespace Comments;

/// <summary>
/// PythonAnywhere's Flask tutorial app (a page of comments and a form to add one, then, as the tutorial's later part
/// adds, a login: anyone reads, only a logged-in user posts), ported to ForkHost with ASP.NET Core's own pieces:
/// cookie authentication, antiforgery on every form, static files, the exception handler, health checks and
/// response compression. Plus <c>GET /echo?n=…</c>, whose answer the database computes and the client can check: a
/// response that belongs to another request is detected, not just a failed one (the fork-bug demo's endpoint).
/// </summary>
/// <remarks>
/// Its load step touches the database in the supervisor — creates the table and counts the rows — exactly the "DB
/// access outside view functions" the seed page warns about. That leaves a pooled connection open in the supervisor;
/// what happens to it next is ForkHost's choice (--dispose-before-spawn, --inherit). A cookie or antiforgery token one
/// worker issues is accepted by every other one because ForkHost gives all workers one Data Protection key ring.
/// </remarks>
public sealed partial class CommentsApp : IForkHostApp
{
    public const string CommentsAtLoadProperty = "commentsAtLoad";

    public async Task LoadAsync(AppLoadContext context, CancellationToken cancellationToken)
    {
        string connectionString = ConnectionString(context.Configuration);
        await using (var connection = new MySqlConnection(connectionString))
        {
            await connection.OpenAsync(cancellationToken);
            await using (var create = new MySqlCommand(Schema.CreateTable, connection))
                await create.ExecuteNonQueryAsync(cancellationToken);
            await using var count = new MySqlCommand(Schema.CountComments, connection);
            long comments = Convert.ToInt64(await count.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture);
            context.Properties[CommentsAtLoadProperty] = comments.ToString(CultureInfo.InvariantCulture);
            LogLoaded(context.Logger, comments);
        }
        // Closing returned the session to MySqlConnector's pool: it is still open, in the supervisor.
    }

    /// <summary>The top of a Program.cs: services.</summary>
    public void ConfigureBuilder(WorkerContext context, WebApplicationBuilder builder)
    {
        // The JSON the endpoints write, serialized by code generated at compile time (NativeAOT has no reflection-based
        // serializer); first in the chain, ahead of whatever else the host configured.
        builder.Services.ConfigureHttpJsonOptions(options =>
            options.SerializerOptions.TypeInfoResolverChain.Insert(0, CommentsJsonContext.Default));

        string connectionString = ConnectionString(context.Configuration);
        builder.Services.AddSingleton(provider => new CommentsDatabase(
            connectionString, context.InheritedConnections, provider.GetRequiredService<ILogger<CommentsDatabase>>()));

        // The tutorial's Flask-Login: a session cookie after a login form. Users and their password hashes come from
        // configuration (Comments:Users; see appsettings.json and README.md).
        builder.Services.AddSingleton<CommentsUsers>();
        builder.Services.AddAuthentication(CookieAuthenticationDefaults.AuthenticationScheme)
            .AddCookie(options =>
            {
                options.LoginPath = "/login";
                options.LogoutPath = "/logout";
                options.Cookie.HttpOnly = true;
                options.Cookie.SameSite = SameSiteMode.Lax;
            });
        builder.Services.AddAuthorization();
        builder.Services.AddAntiforgery();

        // /healthz: the database through this worker's own pool (never a session inherited from the supervisor).
        builder.Services.AddHealthChecks()
            .AddCheck<DatabaseHealthCheck>("database", timeout: TimeSpan.FromSeconds(5));

        // The pages and the stylesheet only: /echo and /plain answer exactly as before, compressed or not.
        builder.Services.AddResponseCompression(options =>
        {
            options.MimeTypes = ["text/html", "text/css"];
            options.Providers.Add<BrotliCompressionProvider>();
            options.Providers.Add<GzipCompressionProvider>();
        });
    }

    /// <summary>The bottom of a Program.cs: middleware, then endpoints.</summary>
    public void Configure(WorkerContext context, WebApplication app)
    {
        app.UseExceptionHandler("/error");
        app.UseResponseCompression();
        app.UseStaticFiles();
        app.UseRouting();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseAntiforgery();
        // The antiforgery middleware records its verdict and leaves the rejection to whatever reads the form. The
        // endpoint code generated at compile time (EnableRequestDelegateGenerator, ASP.NET Core 10.0.12) reads the form
        // without looking at it, and the form then throws (a 500); the runtime's binding would answer 400. Answer 400
        // here for every endpoint, as the runtime does.
        app.Use((http, next) => http.Features.Get<IAntiforgeryValidationFeature>() is { IsValid: false }
            ? Results.Text("The form's antiforgery token is missing or invalid: reload the page and try again.\n", statusCode: StatusCodes.Status400BadRequest).ExecuteAsync(http)
            : next(http));

        app.MapGet("/", async (HttpContext http, CommentsDatabase database, IAntiforgery antiforgery, CancellationToken aborted) =>
        {
            var comments = await database.RunAsync(session => session.ListCommentsAsync(aborted), aborted);
            // Only a logged-in user gets the forms, and so the antiforgery cookie and tokens.
            string? user = http.User.Identity is { IsAuthenticated: true } identity ? identity.Name ?? "" : null;
            return Html(Pages.Comments(comments, user, user is null ? null : antiforgery.GetAndStoreTokens(http), context));
        });

        // Posting needs a logged-in user (the cookie handler redirects anyone else to /login) and the form's
        // antiforgery token (binding the form makes the endpoint require it; 400 without it).
        // The 400 writes its message as a JSON string through the HTTP JSON options; as BadRequest<string> it needs
        // string's serializer only (in CommentsJsonContext), where Results.BadRequest(object) would need object's.
        // Declared IResult, not Results<BadRequest<string>, RedirectHttpResult>: since .NET 10 a typed-results return
        // type marks the endpoint as an API, and the cookie handler then answers an anonymous post 401 instead of
        // redirecting it to /login.
        app.MapPost("/", async Task<IResult> ([FromForm] string? contents, CommentsDatabase database, CancellationToken aborted) =>
        {
            string content = (contents ?? "").Trim();
            if (content.Length is 0 or > 4096)
                return TypedResults.BadRequest("A comment needs 1 to 4096 characters.\n");
            await database.RunAsync(async session => { await session.AddCommentAsync(content, aborted); return true; }, aborted);
            return TypedResults.Redirect("/", permanent: false, preserveMethod: false);
        }).RequireAuthorization();

        app.MapGet("/login", (HttpContext http, IAntiforgery antiforgery) =>
            Html(Pages.Login(http.Request.QueryString, antiforgery.GetAndStoreTokens(http), error: null, context)));

        app.MapPost("/login", async ([FromForm] string? username, [FromForm] string? password, HttpContext http,
            CommentsUsers users, IAntiforgery antiforgery) =>
        {
            if (users.Verify(username, password) is not { } name)
            {
                return Html(Pages.Login(http.Request.QueryString, antiforgery.GetAndStoreTokens(http), "Invalid username or password.", context));
            }
            var identity = new ClaimsIdentity([new Claim(ClaimTypes.Name, name)], CookieAuthenticationDefaults.AuthenticationScheme);
            await http.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme, new ClaimsPrincipal(identity));
            // On its login path the cookie handler has already redirected to a local ?ReturnUrl=, if there was one.
            return http.Response.StatusCode == StatusCodes.Status302Found ? Results.Empty : Results.Redirect("/");
        });

        // The form carries nothing but its token; binding it makes the endpoint require the token.
        app.MapPost("/logout", async (IFormCollection form, HttpContext http) =>
        {
            await http.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
            return http.Response.StatusCode == StatusCodes.Status302Found ? Results.Empty : Results.Redirect("/");
        });

        // Where the exception handler sends an unhandled exception (the database down while rendering the page, say).
        app.Map("/error", () => Html(Pages.Error(context), StatusCodes.Status500InternalServerError));

        app.MapHealthChecks("/healthz");

        // Both answers are JSON through the HTTP JSON options (Results.Json(object) would need the reflection-based
        // serializer): 200 with the row, 500 with the error's class.
        app.MapGet("/echo", async Task<Results<Ok<EchoResponse>, InternalServerError<EchoResponse>>> (
            long n, int? pad, CommentsDatabase database, CancellationToken aborted) =>
        {
            int padding = Math.Clamp(pad ?? 0, 0, Schema.MaxPad);
            string kind = "?";
            try
            {
                EchoRow row = await database.RunAsync(session => { kind = session.Kind; return session.EchoAsync(n, padding, aborted); }, aborted);
                return TypedResults.Ok(new EchoResponse(n, row.Echo, row.ConnectionId, row.PadLength, kind, Environment.ProcessId, context.WorkerId, null, null));
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // Its own JSON error, not the error page: the demo classifies these.
                string errorClass = DatabaseErrorClassifier.Name(DatabaseErrorClassifier.Classify(e));
                return TypedResults.InternalServerError(
                    new EchoResponse(n, null, null, null, kind, Environment.ProcessId, context.WorkerId, errorClass, e.Message));
            }
        });

        // No database: what the host itself costs per request. The pid lets a client tell the workers apart.
        app.MapGet("/plain", () => Results.Text($"plain {Environment.ProcessId}\n"));

        // A record returned as is: the generated endpoint code writes it as JSON, 200.
        app.MapGet("/health", (CommentsDatabase database) => new HealthResponse("ok", database.InheritedSessions));
    }

    private static IResult Html(string page, int statusCode = StatusCodes.Status200OK) =>
        Results.Content(page, "text/html; charset=utf-8", statusCode: statusCode);

    /// <summary>The app's MySQL server: --mysql-file / --mysql / FORKHOST_MYSQL / the credential "mysql" (ForkHost:MySql), or ConnectionStrings:Comments.</summary>
    public static string ConnectionString(IConfiguration configuration) =>
        configuration["ForkHost:MySql"] ?? configuration["ConnectionStrings:Comments"]
        ?? throw new InvalidOperationException("The Comments app needs a MySQL connection string: pass --mysql-file PATH (a file holding 'Server=…;Database=…'), set FORKHOST_MYSQL, or set ConnectionStrings:Comments in appsettings.json.");

    [LoggerMessage(Level = LogLevel.Information, Message = "Comments app loaded in the supervisor: {Comments} comments")]
    private static partial void LogLoaded(ILogger logger, long comments);
}
