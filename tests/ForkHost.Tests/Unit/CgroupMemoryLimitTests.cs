using ForkHost.Supervisor.Resources;

namespace ForkHost.Tests.Unit;

/// <summary>The cgroup readers against fake /proc and /sys trees in a temporary directory.</summary>
public sealed class CgroupMemoryLimitTests : IDisposable
{
    private const string V2Mount = "30 23 0:26 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw";
    private const string V1MemoryMount = "35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory";
    private const string V1CpuMount = "32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw,relatime - cgroup cgroup rw,cpu,cpuacct";

    private readonly string _root = Directory.CreateTempSubdirectory("forkhost-cgroup-test-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private void Write(string path, string text)
    {
        string full = Path.Combine(_root, path.TrimStart('/'));
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        File.WriteAllText(full, text);
    }

    [Fact]
    public void V2_takes_the_lowest_limit_up_to_the_root()
    {
        Write("proc/self/cgroup", "0::/kubepods/pod1/ctr\n");
        Write("proc/self/mountinfo", V2Mount + "\n");
        Write("sys/fs/cgroup/kubepods/pod1/ctr/memory.max", "max\n");
        Write("sys/fs/cgroup/kubepods/pod1/memory.max", "536870912\n");
        Write("sys/fs/cgroup/kubepods/memory.max", "1073741824\n");

        Assert.Equal(536870912, CgroupMemoryLimit.Read(CgroupHierarchy.Read(_root)));
    }

    [Fact]
    public void V2_max_everywhere_is_no_limit()
    {
        Write("proc/self/cgroup", "0::/user.slice\n");
        Write("proc/self/mountinfo", V2Mount + "\n");
        Write("sys/fs/cgroup/user.slice/memory.max", "max\n");

        Assert.Null(CgroupMemoryLimit.Read(CgroupHierarchy.Read(_root)));
    }

    [Fact]
    public void V1_reads_the_memory_controller_found_in_mountinfo_and_ignores_the_unlimited_value()
    {
        Write("proc/self/cgroup", "4:memory:/docker/abc\n3:cpu,cpuacct:/docker/abc\n0::/\n");
        Write("proc/self/mountinfo", $"{V1MemoryMount}\n{V1CpuMount}\n41 31 0:38 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw\n");
        Write("sys/fs/cgroup/memory/docker/abc/memory.limit_in_bytes", "671088640\n");
        Write("sys/fs/cgroup/memory/docker/memory.limit_in_bytes", "9223372036854771712\n");
        Write("sys/fs/cgroup/memory/memory.limit_in_bytes", "9223372036854771712\n");

        CgroupHierarchy cgroups = CgroupHierarchy.Read(_root);
        Assert.Equal(671088640, CgroupMemoryLimit.Read(cgroups));
        Assert.Equal(Path.Combine(_root, "sys/fs/cgroup/memory/docker/abc"), cgroups.V1Directory("memory"));
    }

    [Fact]
    public void V1_unlimited_everywhere_and_no_cgroup_files_are_no_limit()
    {
        Assert.Null(CgroupMemoryLimit.Read(CgroupHierarchy.Read(_root)));

        Write("proc/self/cgroup", "4:memory:/\n");
        Write("proc/self/mountinfo", V1MemoryMount + "\n");
        Write("sys/fs/cgroup/memory/memory.limit_in_bytes", "9223372036854771712\n");
        Assert.Null(CgroupMemoryLimit.Read(CgroupHierarchy.Read(_root)));
    }

    [Fact]
    public void A_mounted_sub_tree_holds_the_path_less_the_mount_root()
    {
        // Docker without a cgroup namespace: the container's own cgroup is mounted as /sys/fs/cgroup/memory.
        Write("proc/self/cgroup", "4:memory:/docker/abc\n");
        Write("proc/self/mountinfo", "35 31 0:32 /docker/abc /sys/fs/cgroup/memory ro - cgroup cgroup rw,memory\n");
        Write("sys/fs/cgroup/memory/memory.limit_in_bytes", "268435456\n");

        Assert.Equal(268435456, CgroupMemoryLimit.Read(CgroupHierarchy.Read(_root)));
    }

    [Fact]
    public void A_cpu_quota_is_found_in_v2_and_v1()
    {
        Write("proc/self/cgroup", "0::/app\n");
        Write("proc/self/mountinfo", V2Mount + "\n");
        Write("sys/fs/cgroup/app/cpu.max", "max 100000\n");
        Assert.False(CgroupCpuLimit.Exists(CgroupHierarchy.Read(_root)));
        Write("sys/fs/cgroup/app/cpu.max", "200000 100000\n");
        Assert.True(CgroupCpuLimit.Exists(CgroupHierarchy.Read(_root)));

        Write("proc/self/cgroup", "3:cpu,cpuacct:/x\n");
        Write("proc/self/mountinfo", V1CpuMount + "\n");
        Write("sys/fs/cgroup/cpu,cpuacct/x/cpu.cfs_quota_us", "-1\n");
        Assert.False(CgroupCpuLimit.Exists(CgroupHierarchy.Read(_root)));
        Write("sys/fs/cgroup/cpu,cpuacct/x/cpu.cfs_quota_us", "50000\n");
        Assert.True(CgroupCpuLimit.Exists(CgroupHierarchy.Read(_root)));
    }

    [Fact]
    public void The_oom_kill_counter_blames_each_new_kill_on_one_sigkill()
    {
        Write("proc/self/cgroup", "0::/app\n");
        Write("proc/self/mountinfo", V2Mount + "\n");
        Write("sys/fs/cgroup/app/memory.events", "low 0\nhigh 0\nmax 9\noom 2\noom_kill 2\n");
        OomKillCounter counter = OomKillCounter.StartingNow(CgroupHierarchy.Read(_root));
        Assert.False(counter.ExplainsSigkill());

        Write("sys/fs/cgroup/app/memory.events", "low 0\nhigh 0\nmax 9\noom 4\noom_kill 4\n");
        Assert.True(counter.ExplainsSigkill());
        Assert.True(counter.ExplainsSigkill());
        Assert.False(counter.ExplainsSigkill());
    }

    [Fact]
    public void A_container_is_told_by_its_marker_file_variable_or_cgroup_path()
    {
        Assert.Null(ContainerDetection.Detect(_root, _ => null));
        Assert.Equal("container=podman", ContainerDetection.Detect(_root, name => name == "container" ? "podman" : null));
        Write("proc/self/cgroup", "0::/kubepods/burstable/pod1/ctr\n");
        Assert.Equal("cgroup /kubepods/burstable/pod1/ctr", ContainerDetection.Detect(_root, _ => null));
        Write(".dockerenv", "");
        Assert.Equal("/.dockerenv", ContainerDetection.Detect(_root, _ => null));
    }
}
