namespace ForkHost.Supervisor.Resources;

/// <summary>How --worker-heap-limit was given (<see cref="WorkerHeapLimitSetting"/>).</summary>
internal enum WorkerHeapLimitMode
{
    Auto,
    Off,
    Size,
}
