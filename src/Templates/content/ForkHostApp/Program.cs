using ForkHost;

namespace MyApp;

/// <summary>
/// The app's own executable: <c>dotnet run -- --workers 4 --bind 127.0.0.1:8000</c>, with every option of
/// <c>forkhost run</c> but the app's path. This one call is all of Main: the program is the supervisor, and every
/// worker is this program started again.
/// </summary>
internal static class Program
{
    public static Task<int> Main(string[] args) => ForkHostProgram.RunAsync<App>(args);
}
