namespace Comments;

/// <summary>One row of the comments table; <paramref name="Posted"/> as the database formatted it.</summary>
public sealed record Comment(long Id, string Content, string Posted);
