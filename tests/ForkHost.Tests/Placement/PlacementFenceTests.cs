using ForkHost.Worker.Placement;

namespace ForkHost.Tests.Placement;

/// <summary>The kernel locks: one holder at a time, free again the moment the holder lets go.</summary>
public sealed class PlacementFenceTests
{
    [Fact]
    public void A_flock_on_the_state_directorys_file_excludes_a_second_holder_until_released()
    {
        string directory = Directory.CreateTempSubdirectory("forkhost-fence-").FullName;
        try
        {
            string path = Path.Combine(directory, "placement-App.lock");
            // Two opens of one file, as two processes make: flock belongs to the open file, so they exclude each other.
            AssertExcludes(new FlockFence(path), new FlockFence(path));
            Assert.Equal(Convert.ToInt32("600", 8), (int)File.GetUnixFileMode(path) & 0x1ff);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void An_abstract_socket_name_excludes_a_second_holder_until_released()
    {
        string name = $"forkhost-placement-test-{Guid.NewGuid():N}";
        AssertExcludes(new AbstractSocketFence(name), new AbstractSocketFence(name));
    }

    private static void AssertExcludes(IPlacementFence first, IPlacementFence second)
    {
        IDisposable held = first.TryAcquire() ?? throw new Xunit.Sdk.XunitException("the free lock was not taken");
        Assert.Null(second.TryAcquire());
        Assert.Null(second.TryAcquire());
        held.Dispose();
        using IDisposable taken = second.TryAcquire() ?? throw new Xunit.Sdk.XunitException("the released lock was not taken");
        Assert.Null(first.TryAcquire());
    }
}
