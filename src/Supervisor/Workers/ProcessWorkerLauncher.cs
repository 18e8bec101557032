using System.Diagnostics;
using ForkHost.Channel;
using ForkHost.Supervisor.Listeners;

namespace ForkHost.Supervisor.Workers;

/// <summary>
/// Starts <c>forkhost-worker</c> processes: a socketpair for the channel, the worker's end inherited under its own
/// number (<see cref="WorkerSpawner"/>), a reader thread for the supervisor's end, then the boot instructions.
/// </summary>
internal sealed class ProcessWorkerLauncher(WorkerSpawner spawner) : IWorkerLauncher
{
    public async Task<IWorkerProcess> LaunchAsync(WorkerBoot boot, IWorkerEvents events)
    {
        (ControlChannel supervisorEnd, ControlChannel workerEnd) = ControlChannel.CreatePair();
        Process process;
        try
        {
            process = await spawner.SpawnAsync(workerEnd.Descriptor, boot.Environment);
        }
        catch (Exception e)
        {
            supervisorEnd.Dispose();
            throw new WorkerLaunchException($"cannot start a worker: {e.Message}", e);
        }
        finally
        {
            // Our copy of the worker's end must go, or the worker's exit would never show as end of stream.
            workerEnd.Dispose();
        }

        var worker = new SpawnedWorker(process, supervisorEnd);
        worker.StartReading(events);
        process.EnableRaisingEvents = true;
        process.Exited += (_, _) => events.Exited();
        try
        {
            supervisorEnd.Send(boot.Hello);
            supervisorEnd.Send(boot.Handles, boot.Descriptors);
        }
        catch (ChannelClosedException)
        {
            // The worker died at once; its exit event reports it.
        }
        return worker;
    }

    /// <summary>One live worker process. Its reader thread is the only code besides the arbiter loop that touches it.</summary>
    private sealed class SpawnedWorker(Process process, ControlChannel channel) : IWorkerProcess
    {
        private Thread? _reader;

        public int Pid { get; } = process.Id;

        public int? ExitCode => process.HasExited ? process.ExitCode : null;

        public DispatchTarget? DispatchTarget { get; } = new(channel);

        public void StartReading(IWorkerEvents events)
        {
            _reader = new Thread(() =>
            {
                try
                {
                    while (true)
                    {
                        ReceivedMessage received = channel.Receive();
                        // Here rather than on the arbiter loop: the dispatcher sees new room without waiting for the loop.
                        DispatchTarget!.Observe(received.Message);
                        events.MessageReceived(received);
                    }
                }
                catch (Exception e)
                {
                    events.ChannelEnded(e);
                }
            })
            { IsBackground = true, Name = $"forkhost-worker-{Pid}-reader" };
            _reader.Start();
        }

        public bool TrySend(ChannelMessage message)
        {
            try
            {
                channel.Send(message);
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
            if (!process.HasExited)
                _ = Interop.Libc.Kill(Pid, signal);
        }

        public void Release()
        {
            channel.Shutdown();
            _reader?.Join(TimeSpan.FromSeconds(2));
            channel.Dispose();
        }
    }
}
