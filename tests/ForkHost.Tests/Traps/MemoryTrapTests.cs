using System.Text.Json;
using ForkHost.Tests.Infrastructure;
using ForkHost.Tests.MySql;

namespace ForkHost.Tests.Traps;

/// <summary>Trap 10 of the demo, run twice, in a memory cgroup the scenario creates (root and a writable memory controller).</summary>
[Collection(MySqlCollection.Name)]
public sealed class MemoryTrapTests(MySqlServerFixture mySql)
{
    [MemoryCgroupFact]
    public async Task Workers_sharing_a_memory_limit_are_oom_killed_without_the_heap_limit_and_never_with_it()
    {
        for (int run = 1; run <= 2; run++)
        {
            IReadOnlyList<JsonElement> traps = await TrapDemo.RunAsync(mySql.ConnectionString, "10");
            Assert.Equal(["10a", "10b"], traps.Select(t => t.GetProperty("scenario").GetString()));
            JsonElement broken = traps[0], fixedHalf = traps[1];
            Assert.True(broken.GetProperty("error").ValueKind == JsonValueKind.Null, $"run {run}: {broken}");
            Assert.True(broken.GetProperty("failures").GetInt64() > 0, $"run {run}: no OOM kill with --worker-heap-limit off: {broken}");
            Assert.True(fixedHalf.GetProperty("error").ValueKind == JsonValueKind.Null, $"run {run}: {fixedHalf}");
            Assert.True(fixedHalf.GetProperty("failures").GetInt64() == 0, $"run {run}: OOM kills with the per-worker heap limit: {fixedHalf}");
            Assert.True(fixedHalf.GetProperty("counts").GetProperty("OutOfMemoryException (503)").GetInt64() > 0, $"run {run}: the app never saw its heap limit: {fixedHalf}");
        }
    }
}
