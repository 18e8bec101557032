using ForkHost.Supervisor.Resources;
using Microsoft.Extensions.Logging.Abstractions;

namespace ForkHost.Tests.Unit;

public sealed class WorkerHeapBudgetTests
{
    private const long MiB = 1024 * 1024;

    [Theory]
    [InlineData("auto", "Auto", 0L)]
    [InlineData("", "Auto", 0L)]
    [InlineData("OFF", "Off", 0L)]
    [InlineData("256M", "Size", 256 * MiB)]
    [InlineData("1.5g", "Size", 1536 * MiB)]
    [InlineData("67108864", "Size", 64 * MiB)]
    public void The_option_parses(string text, string mode, long bytes)
    {
        Assert.True(WorkerHeapLimitSetting.TryParse(text, out WorkerHeapLimitSetting setting));
        Assert.Equal(mode, setting.Mode.ToString());
        Assert.Equal(bytes, setting.Bytes);
    }

    [Theory]
    [InlineData("banana")]
    [InlineData("15M")]
    [InlineData("-1G")]
    [InlineData("12X")]
    public void Bad_values_are_refused(string text) => Assert.False(WorkerHeapLimitSetting.TryParse(text, out _));

    [Fact]
    public void Each_worker_gets_the_limit_less_the_reserve_shared_out()
    {
        // (640M − 128M) / 4 − 48M = 80M.
        Assert.Equal(80 * MiB, WorkerHeapBudget.PerWorkerBytes(WorkerHeapLimitSetting.Auto, 640 * MiB, 4));
        Assert.Equal(464 * MiB, WorkerHeapBudget.PerWorkerBytes(WorkerHeapLimitSetting.Auto, 640 * MiB, 1));
        // Too small a limit for so many workers: the minimum, never a heap a worker cannot boot with.
        Assert.Equal(WorkerHeapBudget.MinimumHeapBytes, WorkerHeapBudget.PerWorkerBytes(WorkerHeapLimitSetting.Auto, 256 * MiB, 8));
        Assert.Null(WorkerHeapBudget.PerWorkerBytes(WorkerHeapLimitSetting.Auto, null, 4));
        Assert.Null(WorkerHeapBudget.PerWorkerBytes(WorkerHeapLimitSetting.Off, 640 * MiB, 4));
        WorkerHeapLimitSetting.TryParse("100M", out WorkerHeapLimitSetting fixedSize);
        Assert.Equal(100 * MiB, WorkerHeapBudget.PerWorkerBytes(fixedSize, null, 4));
    }

    [Fact]
    public void The_environment_is_hex_and_the_operators_own_setting_wins()
    {
        var budget = new WorkerHeapBudget(640 * MiB, operatorSetting: null, NullLogger.Instance);
        Assert.Equal("5000000", budget.EnvironmentFor(WorkerHeapLimitSetting.Auto, 4)[WorkerHeapBudget.HeapHardLimitVariable]);
        Assert.Equal("d000000", budget.EnvironmentFor(WorkerHeapLimitSetting.Auto, 2)[WorkerHeapBudget.HeapHardLimitVariable]);
        Assert.Empty(budget.EnvironmentFor(WorkerHeapLimitSetting.Off, 4));

        var operators = new WorkerHeapBudget(640 * MiB, "DOTNET_GCHeapHardLimitPercent=0x20", NullLogger.Instance);
        Assert.Empty(operators.EnvironmentFor(WorkerHeapLimitSetting.Auto, 4));
    }

    [Theory]
    [InlineData("DOTNET_GCHeapHardLimit", true)]
    [InlineData("DOTNET_GCHeapHardLimitPercent", true)]
    [InlineData("COMPlus_GCHeapHardLimitSOH", true)]
    [InlineData("dotnet_gcheaphardlimit", true)]
    [InlineData("DOTNET_GCgen0size", false)]
    [InlineData("GCHeapHardLimit", false)]
    public void The_operators_variables_are_recognised(string name, bool recognised) =>
        Assert.Equal(recognised, WorkerHeapBudget.IsHeapHardLimitVariable(name));
}
