using ForkHost.Channel;
using ForkHost.Supervisor.Configuration;
using ForkHost.Tests.Infrastructure;

namespace ForkHost.Tests.Configuration;

/// <summary>The request limits and timeouts: what the options become for workers, and each bad value in one line.</summary>
public sealed class RequestLimitsOptionsTests
{
    private static RunSettings Load(params string[] options) =>
        RunSettingsLoader.Load(["--app", RepositoryPaths.HelloApp, .. options]);

    [Fact]
    public void Options_not_given_leave_every_limit_to_Kestrel_and_the_app()
    {
        GenerationSettings settings = Load().Generation;
        Assert.Equal(RequestLimits.None, settings.Limits);
        Assert.Null(settings.RequestHardTimeout);
        Assert.Null(settings.DumpDirectory);
    }

    [Fact]
    public void Given_options_become_the_workers_limits()
    {
        string dumps = Directory.CreateTempSubdirectory("forkhost-dumps-").FullName;
        try
        {
            GenerationSettings settings = Load("--limit-request-line", "4094", "--limit-request-fields", "50", "--limit-request-field-size", "8190",
                "--limit-request-body", "0", "--keep-alive", "2", "--worker-connections", "1000", "--request-timeout", "1.5",
                "--request-hard-timeout", "30", "--dump-dir", dumps).Generation;
            Assert.Equal(new RequestLimits(4094, 50, 8190, 0, 2000, 1000, 1500), settings.Limits);
            Assert.Equal(TimeSpan.FromSeconds(30), settings.RequestHardTimeout);
            Assert.Equal(dumps, settings.DumpDirectory);
        }
        finally
        {
            Directory.Delete(dumps);
        }
    }

    [Theory]
    [InlineData("--limit-request-line 8", "--limit-request-line must be between 16 and 1048576 bytes (got 8).")]
    [InlineData("--limit-request-fields 0", "--limit-request-fields must be between 1 and 10000 header fields (got 0).")]
    [InlineData("--limit-request-field-size 2000000", "--limit-request-field-size must be between 16 and 1048576 bytes (got 2000000).")]
    [InlineData("--limit-request-body -1", "--limit-request-body must be a number of bytes, or 0 for no limit (got -1).")]
    [InlineData("--limit-request-body lots", "--limit-request-body: 'lots' is not a valid whole number.")]
    [InlineData("--keep-alive 0", "--keep-alive must be a number of seconds above 0 up to 86400 (got 0).")]
    [InlineData("--worker-connections 0", "--worker-connections must be between 1 and 1000000 (got 0).")]
    [InlineData("--request-timeout soon", "--request-timeout: 'soon' is not a valid number.")]
    [InlineData("--request-timeout 10 --request-hard-timeout 5", "--request-hard-timeout (5 s) must be longer than --request-timeout (10 s): the cooperative timeout comes first.")]
    [InlineData("--dump-dir /nonexistent/dumps", "--dump-dir '/nonexistent/dumps': directory /nonexistent/dumps does not exist; create it (mode 700: a dump holds whatever the worker had in memory) or choose another.")]
    [InlineData("--dump-dir /tmp --worker-diagnostics off", "--dump-dir needs the workers' diagnostics socket: leave out --worker-diagnostics off, or --dump-dir.")]
    public void A_bad_value_is_one_line_naming_the_option(string options, string expected)
    {
        var error = Assert.Throws<UsageException>(() => Load(options.Split(' ')));
        Assert.Equal(expected, error.Message);
    }

    [Fact]
    public void A_NativeAOT_build_refuses_a_dump_directory_that_a_JIT_build_takes()
    {
        // The same existing, writable directory: only the build decides (WorkerStackCaptures.IsSupported, false under NativeAOT).
        var options = new ForkHostOptions { DumpDir = Path.GetTempPath() };
        var jit = new List<string>();
        var nativeAot = new List<string>();
        RequestLimitsValidation.CheckDumpDirectory(jit, options, dumpsSupported: true);
        RequestLimitsValidation.CheckDumpDirectory(nativeAot, options, dumpsSupported: false);
        Assert.Empty(jit);
        Assert.StartsWith("--dump-dir is unavailable in a NativeAOT build:", Assert.Single(nativeAot));
    }

    [Fact]
    public async Task A_bad_limit_stops_forkhost_with_exit_code_2_and_one_line()
    {
        await using var forkhost = ForkHostProcess.Run(RepositoryPaths.HelloApp, "--bind", "127.0.0.1:0", "--limit-request-fields", "-3");
        Assert.Equal(2, await forkhost.WaitForExitAsync());
        Assert.Equal("forkhost: --limit-request-fields must be between 1 and 10000 header fields (got -3).",
            Assert.Single(forkhost.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries)));
    }
}
