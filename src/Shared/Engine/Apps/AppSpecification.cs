namespace ForkHost.Apps;

/// <summary>The parsed form of <c>--app path/to/App.dll[:Namespace.Type]</c>.</summary>
internal readonly record struct AppSpecification(string AssemblyPath, string? TypeName)
{
    public static AppSpecification Parse(string value)
    {
        // A ':' after the last '/' separates the type; the path itself may contain ':' in a directory name.
        int slash = value.LastIndexOf('/');
        int colon = value.IndexOf(':', slash + 1);
        string path = colon < 0 ? value : value[..colon];
        string? type = colon < 0 ? null : value[(colon + 1)..];
        return new AppSpecification(Path.GetFullPath(path), string.IsNullOrWhiteSpace(type) ? null : type);
    }

    public override string ToString() => TypeName is null ? AssemblyPath : $"{AssemblyPath}:{TypeName}";
}
