using System.Globalization;
using ForkHost;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using MySqlConnector;

namespace Comments;

/// <summary>
/// PythonAnywhere's Flask tutorial app (a page of comments and a form to add one), ported to ForkHost, plus
/// <c>GET /echo?n=…</c>, whose answer the database computes and the client can check: a response that belongs to
/// another request is detected, not just a failed one.
/// </summary>
/// <remarks>
/// Its load step touches the database in the supervisor — creates the table and counts the rows — exactly the "DB
/// access outside view functions" the seed page warns about. That leaves a pooled connection open in the supervisor;
/// what happens to it next is ForkHost's choice (--dispose-before-spawn, --inherit).
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

    public void ConfigureServices(WorkerContext context, IServiceCollection services)
    {
        string connectionString = ConnectionString(context.Configuration);
        services.AddSingleton(provider => new CommentsDatabase(
            connectionString, context.InheritedConnections, provider.GetRequiredService<ILogger<CommentsDatabase>>()));
    }

    public void MapEndpoints(WorkerContext context, IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/", async (CommentsDatabase database, CancellationToken aborted) =>
        {
            var comments = await database.RunAsync(session => session.ListCommentsAsync(aborted), aborted);
            return Results.Content(CommentsPage.Render(comments, context), "text/html; charset=utf-8");
        });

        endpoints.MapPost("/", async (HttpRequest request, CommentsDatabase database, CancellationToken aborted) =>
        {
            IFormCollection form = await request.ReadFormAsync(aborted);
            string content = form["contents"].ToString().Trim();
            if (content.Length is 0 or > 4096)
                return Results.BadRequest("A comment needs 1 to 4096 characters.\n");
            await database.RunAsync(async session => { await session.AddCommentAsync(content, aborted); return true; }, aborted);
            return Results.Redirect("/", permanent: false, preserveMethod: false);
        });

        endpoints.MapGet("/echo", async (long n, int? pad, CommentsDatabase database, CancellationToken aborted) =>
        {
            int padding = Math.Clamp(pad ?? 0, 0, Schema.MaxPad);
            string kind = "?";
            try
            {
                EchoRow row = await database.RunAsync(session => { kind = session.Kind; return session.EchoAsync(n, padding, aborted); }, aborted);
                return Results.Json(new EchoResponse(n, row.Echo, row.ConnectionId, row.PadLength, kind, Environment.ProcessId, context.WorkerId, null, null));
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                string errorClass = DatabaseErrorClassifier.Name(DatabaseErrorClassifier.Classify(e));
                return Results.Json(new EchoResponse(n, null, null, null, kind, Environment.ProcessId, context.WorkerId, errorClass, e.Message),
                    statusCode: StatusCodes.Status500InternalServerError);
            }
        });

        // No database: what the host itself costs per request. The pid lets a client tell the workers apart.
        endpoints.MapGet("/plain", () => Results.Text($"plain {Environment.ProcessId}\n"));

        endpoints.MapGet("/health", (CommentsDatabase database) => Results.Json(new { status = "ok", inheritedSessions = database.InheritedSessions }));
    }

    /// <summary>The app's MySQL server: --mysql-file / --mysql / FORKHOST_MYSQL / the credential "mysql" (ForkHost:MySql), or ConnectionStrings:Comments.</summary>
    public static string ConnectionString(IConfiguration configuration) =>
        configuration["ForkHost:MySql"] ?? configuration["ConnectionStrings:Comments"]
        ?? throw new InvalidOperationException("The Comments app needs a MySQL connection string: pass --mysql-file PATH (a file holding 'Server=…;Database=…'), set FORKHOST_MYSQL, or set ConnectionStrings:Comments in appsettings.json.");

    [LoggerMessage(Level = LogLevel.Information, Message = "Comments app loaded in the supervisor: {Comments} comments")]
    private static partial void LogLoaded(ILogger logger, long comments);
}

/// <param name="Echo">What the database answered; must equal <paramref name="N"/>.</param>
/// <param name="Session">"pool" (the worker's own) or "inherited" (shared with the supervisor and the other workers).</param>
public sealed record EchoResponse(long N, long? Echo, long? ConnectionId, int? Pad, string Session, int Pid, int WorkerId, string? Error, string? Message);
