using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace Comments;

/// <summary>
/// The users who may post, as the tutorial's <c>users</c> dictionary: from configuration, <c>Comments:Users:NAME</c> =
/// a hash made by ASP.NET Core Identity's <see cref="PasswordHasher{TUser}"/> (PBKDF2), never a password. The sample's
/// appsettings.json has one demo user; a real app keeps its hashes in its own configuration (a file only the service
/// reads, the environment as <c>Comments__Users__NAME</c>, a secret store).
/// </summary>
public sealed partial class CommentsUsers
{
    private readonly Dictionary<string, (string Name, string Hash)> _users;
    private readonly PasswordHasher<CommentsUser> _hasher = new();
    private readonly ILogger<CommentsUsers> _logger;

    /// <summary>A hash no password matches, checked for unknown names so that they take as long as known ones.</summary>
    private readonly Lazy<string> _unknownUserHash;

    public CommentsUsers(IConfiguration configuration, ILogger<CommentsUsers> logger)
    {
        _logger = logger;
        // Configuration keys are case-insensitive, so names are too; the name signed in is the one configured.
        _users = configuration.GetSection("Comments:Users").GetChildren()
            .Where(user => !string.IsNullOrEmpty(user.Value))
            .ToDictionary(user => user.Key, user => (user.Key, user.Value!), StringComparer.OrdinalIgnoreCase);
        _unknownUserHash = new(() => _hasher.HashPassword(new CommentsUser(""), Guid.NewGuid().ToString("N")));
        if (_users.Count == 0)
            LogNoUsers(logger);
    }

    /// <returns>The user's name as configured, or null when the name is unknown or the password does not match.</returns>
    public string? Verify(string? name, string? password)
    {
        if (string.IsNullOrEmpty(name) || string.IsNullOrEmpty(password))
            return null;
        if (!_users.TryGetValue(name, out (string Name, string Hash) user))
        {
            _ = _hasher.VerifyHashedPassword(new CommentsUser(name), _unknownUserHash.Value, password);
            LogUnknownUser(_logger);
            return null;
        }
        string configuredName = user.Name;
        PasswordVerificationResult result;
        try
        {
            result = _hasher.VerifyHashedPassword(new CommentsUser(configuredName), user.Hash, password);
        }
        catch (FormatException)
        {
            LogMalformedHash(_logger, configuredName);
            return null;
        }
        if (result == PasswordVerificationResult.Failed)
        {
            LogWrongPassword(_logger, configuredName);
            return null;
        }
        LogLoggedIn(_logger, configuredName);
        return configuredName;
    }

    // Never the password, in any of them.
    [LoggerMessage(Level = LogLevel.Information, Message = "User {User} logged in")]
    private static partial void LogLoggedIn(ILogger logger, string user);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Failed login for user {User}: wrong password")]
    private static partial void LogWrongPassword(ILogger logger, string user);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Failed login for a user name that is not configured")]
    private static partial void LogUnknownUser(ILogger logger);

    [LoggerMessage(Level = LogLevel.Error, Message = "The password hash of user {User} (Comments:Users:{User}) is not one PasswordHasher makes")]
    private static partial void LogMalformedHash(ILogger logger, string user);

    [LoggerMessage(Level = LogLevel.Warning, Message = "No users configured (Comments:Users): nobody can log in to post comments")]
    private static partial void LogNoUsers(ILogger logger);
}
