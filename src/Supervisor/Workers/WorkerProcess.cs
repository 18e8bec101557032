using System.Diagnostics;
using ForkHost.Channel;
using ForkHost.Supervisor.Listeners;

namespace ForkHost.Supervisor.Workers;

/// <summary>The supervisor's view of one worker process. Touched only by the arbiter loop, except the reader thread.</summary>
internal sealed class WorkerProcess
{
    private Thread? _reader;

    public WorkerProcess(int slot, int generation, Process process, ControlChannel channel, long now, long requestLimit)
    {
        RequestLimit = requestLimit;
        Slot = slot;
        Generation = generation;
        Process = process;
        Pid = process.Id;
        Channel = channel;
        DispatchTarget = new DispatchTarget(channel);
        SpawnedAt = now;
        LastHeartbeatAt = now;
    }

    public int Slot { get; }
    public int Generation { get; }
    public Process Process { get; }
    public int Pid { get; }
    public ControlChannel Channel { get; }

    /// <summary>The worker as --balance dispatch deals connections to it; its reader keeps the headroom current.</summary>
    public DispatchTarget DispatchTarget { get; }

    public WorkerState State { get; set; } = WorkerState.Booting;

    /// <summary>Milliseconds of Environment.TickCount64.</summary>
    public long SpawnedAt { get; }
    public long? ReadyAt { get; set; }
    public long LastHeartbeatAt { get; set; }

    /// <summary>When a stopping worker is killed if it is still there.</summary>
    public long KillAt { get; set; } = long.MaxValue;

    /// <summary>Why a worker that never became ready failed, as it said or as the supervisor saw it.</summary>
    public string? BootFailureReason { get; set; }

    public HeartbeatMessage? LastHeartbeat { get; set; }

    /// <summary>Requests after which the worker is recycled (--max-requests with jitter); long.MaxValue for never.</summary>
    public long RequestLimit { get; }

    /// <summary>Stopped because it reached <see cref="RequestLimit"/>.</summary>
    public bool Recycling { get; set; }

    /// <summary>Reads messages on a dedicated thread; each one, and the end of the channel, becomes an arbiter event.</summary>
    public void StartReading(Action<WorkerProcess, ReceivedMessage> onMessage, Action<WorkerProcess, Exception> onChannelEnded)
    {
        _reader = new Thread(() =>
        {
            try
            {
                while (true)
                {
                    ReceivedMessage received = Channel.Receive();
                    // Here rather than on the arbiter loop: the dispatcher sees new room without waiting for the loop.
                    DispatchTarget.Observe(received.Message);
                    onMessage(this, received);
                }
            }
            catch (Exception e)
            {
                onChannelEnded(this, e);
            }
        })
        { IsBackground = true, Name = $"forkhost-worker-{Slot}-reader" };
        _reader.Start();
    }

    /// <summary>Best effort: a worker that has already gone cannot be told anything.</summary>
    public bool TrySend(ChannelMessage message)
    {
        try
        {
            Channel.Send(message);
            return true;
        }
        catch (Exception e) when (e is ChannelClosedException or System.ComponentModel.Win32Exception or ObjectDisposedException)
        {
            return false;
        }
    }

    public void Signal(int signal)
    {
        // A pid is only ours to signal until we reap it; the arbiter never signals a reaped worker.
        if (!Process.HasExited)
            _ = Interop.Libc.Kill(Pid, signal);
    }

    /// <summary>After the process has exited: wake and join the reader, then free the descriptor.</summary>
    public void ReleaseChannel()
    {
        Channel.Shutdown();
        _reader?.Join(TimeSpan.FromSeconds(2));
        Channel.Dispose();
    }

    public override string ToString() => $"worker {Slot} (pid {Pid}, generation {Generation})";
}
