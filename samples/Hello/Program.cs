using ForkHost;

namespace Hello;

/// <summary>
/// The app's own executable: <c>dotnet run -- --workers 4 --bind 127.0.0.1:8000</c> (every option of forkhost run but
/// --app). This one call is the whole of Main: the program is the supervisor, and every worker is this program again.
/// </summary>
internal static class Program
{
    public static Task<int> Main(string[] args) => ForkHostProgram.RunAsync<HelloApp>(args);
}
