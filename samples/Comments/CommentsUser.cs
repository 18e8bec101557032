using Microsoft.AspNetCore.Identity;

namespace Comments;

/// <summary>A user, for <see cref="PasswordHasher{TUser}"/> (which does not look at it).</summary>
public sealed record CommentsUser(string Name);
