using ForkHost.Tests.Infrastructure;
using ForkHost.Tests.MySql;

namespace ForkHost.Tests.OwnExecutable;

/// <summary>The Comments sample run as its own executable: the program is the supervisor, and every worker is it again.</summary>
internal static class CommentsExecutable
{
    /// <summary>The program of <paramref name="build"/>; fails the test, naming what to run, when it was not built.</summary>
    public static string Path(OwnExecutableBuild build)
    {
        string path = build switch
        {
            OwnExecutableBuild.Jit => System.IO.Path.Combine(RepositoryPaths.CommentsOwnExecutableDirectory, "Comments"),
            OwnExecutableBuild.NativeAot => RepositoryPaths.CommentsNativeAot,
            _ => throw new ArgumentOutOfRangeException(nameof(build)),
        };
        // Not a skip: a suite that silently leaves out the NativeAOT half would pass without testing what it claims.
        if (!File.Exists(path))
        {
            Assert.Fail(build == OwnExecutableBuild.NativeAot
                ? $"The NativeAOT build of Comments is missing ({path}): run ./dev test, which publishes it (./dev aot publishes only that)."
                : $"The Comments apphost is missing ({path}): build the solution first.");
        }
        return path;
    }

    /// <summary>
    /// Starts <paramref name="program"/> serving on a free loopback port with the fixture's MySQL server, given as
    /// FORKHOST_MYSQL (the environment form of --mysql, which keeps the password off the command line).
    /// </summary>
    public static SupervisorProcess Start(string program, MySqlServerFixture mySql, int workers, params string[] options) =>
        ForkHostProcess.StartOwnExecutable(program,
            ["--workers", workers.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1:0", .. options],
            new Dictionary<string, string> { ["FORKHOST_MYSQL"] = mySql.ConnectionString });
}
