using System.Collections.Concurrent;
using System.Net.Sockets;
using ForkHost.Supervisor.Configuration;
using ForkHost.Supervisor.Listeners;
using Microsoft.Extensions.Logging;
using Ids = ForkHost.Logging.EventIds;

namespace ForkHost.Supervisor.Control;

/// <summary>
/// Serves the control protocol on a unix socket only the supervisor's user (and root) can open: mode 0600 from the
/// moment the file exists, and each peer's uid checked again with SO_PEERCRED. It runs on the thread pool, never on the
/// arbiter loop: a client that sends nothing, too much, or garbage costs one bounded connection, not the loop's time.
/// The snapshot itself is taken on the loop, through the delegate.
/// </summary>
internal sealed partial class ControlServer : IAsyncDisposable
{
    /// <summary>Connections served at once; more are closed at once, so a flood cannot queue work on the arbiter.</summary>
    public const int MaxConnections = 8;

    /// <summary>rw------- : the socket file's mode, and (as 0177) the umask it is created under.</summary>
    private const UnixFileMode SocketMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const uint SocketUmask = 0b001_111_111;

    private readonly Socket _socket;
    private readonly ILogger _logger;
    private readonly uint _ownUid = Interop.Libc.GetEffectiveUserId();
    private readonly CancellationTokenSource _stopping = new();
    private readonly ConcurrentDictionary<Task, bool> _connections = new();
    private Func<CancellationToken, Task<StatusSnapshot>>? _status;
    private Task? _acceptLoop;
    private int _connectionCount;

    private ControlServer(string path, Socket socket, ILogger logger)
    {
        Path = path;
        _socket = socket;
        _logger = logger;
    }

    public string Path { get; }

    /// <summary>
    /// Binds and listens; connections queue until <see cref="Start"/>. A stale file from a killed supervisor is
    /// replaced, a live one is an error (exit 2), as for unix: listeners.
    /// </summary>
    /// <param name="takeOver">A successor (SIGUSR2) replaces its predecessor's socket, which is live.</param>
    public static ControlServer Bind(string path, ILogger logger, bool takeOver = false)
    {
        if (System.Text.Encoding.UTF8.GetByteCount(path) > ControlSocketPath.MaxPathBytes)
            throw new UsageException($"--control-socket: {path} is longer than the {ControlSocketPath.MaxPathBytes} bytes a unix socket path may have.");
        if (takeOver && System.IO.Path.Exists(path) && !Directory.Exists(path))
            File.Delete(path);
        ListenerBinder.RemoveStaleSocketFile("--control-socket", path);

        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            // bind(2) creates the file with 0777 & ~umask: with 0177 it is born 0600, with no moment at a wider mode.
            // umask is per process; nothing else creates files while the supervisor starts, and it is restored at once.
            uint previous = Interop.Libc.Umask(SocketUmask);
            try
            {
                socket.Bind(new UnixDomainSocketEndPoint(path));
            }
            finally
            {
                Interop.Libc.Umask(previous);
            }
            // A default ACL on the directory overrides the umask; chmod before listen(2), so no one can connect before.
            File.SetUnixFileMode(path, SocketMode);
            socket.Listen(MaxConnections);
        }
        catch (Exception e) when (e is SocketException or IOException or UnauthorizedAccessException)
        {
            socket.Dispose();
            throw new UsageException($"--control-socket: cannot listen on {path}: {e.Message}.");
        }

        LogListening(logger, path);
        return new ControlServer(path, socket, logger);
    }

    /// <param name="status">Takes a snapshot on the arbiter loop; cancelled when the client gives up or the server stops.</param>
    public void Start(Func<CancellationToken, Task<StatusSnapshot>> status)
    {
        _status = status;
        _acceptLoop = Task.Run(AcceptLoopAsync);
    }

    /// <summary>The supervisor's own user, and root, which can open the file anyway.</summary>
    internal static bool IsAllowed(uint peerUid, uint ownUid) => peerUid == ownUid || peerUid == 0;

    private async Task AcceptLoopAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _socket.AcceptAsync(_stopping.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException e)
            {
                // EMFILE and the like: back off instead of spinning, and keep serving when it passes.
                LogAcceptFailed(_logger, e.Message);
                await Task.Delay(TimeSpan.FromMilliseconds(100), CancellationToken.None);
                continue;
            }

            if (Interlocked.Increment(ref _connectionCount) > MaxConnections)
            {
                Interlocked.Decrement(ref _connectionCount);
                using (client)
                {
                    PeerCredentials peer = PeerCredentials.Of(client);
                    LogRejected(_logger, peer.Pid, peer.Uid, $"more than {MaxConnections} connections at once");
                }
                continue;
            }
            Task connection = Task.Run(() => ServeAsync(client));
            _connections[connection] = true;
            _ = connection.ContinueWith(done => _connections.TryRemove(done, out _), TaskScheduler.Default);
        }
    }

    private async Task ServeAsync(Socket client)
    {
        try
        {
            using (client)
            {
                ControlResponse? response = await AnswerAsync(client);
                if (response is null)
                    return;
                using var write = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
                write.CancelAfter(ControlProtocol.ServerIoTimeout);
                await ControlProtocol.WriteLineAsync(client, response, ControlJsonContext.Default.ControlResponse, write.Token);
            }
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or IOException or ObjectDisposedException)
        {
            LogConnectionFailed(_logger, e.GetType().Name, e.Message);
        }
        finally
        {
            Interlocked.Decrement(ref _connectionCount);
        }
    }

    /// <summary>The response for one connection; null when there is no one to answer (the peer sent nothing and left).</summary>
    private async Task<ControlResponse?> AnswerAsync(Socket client)
    {
        PeerCredentials peer = PeerCredentials.Of(client);
        if (!IsAllowed(peer.Uid, _ownUid))
        {
            string reason = $"uid {peer.Uid} is neither the supervisor's ({_ownUid}) nor root";
            LogRefused(_logger, peer.Pid, peer.Uid, reason);
            return ControlResponse.Failure($"permission denied: {reason}");
        }

        ControlRequest request;
        using (var read = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token))
        {
            read.CancelAfter(ControlProtocol.ServerIoTimeout);
            try
            {
                byte[]? line = await ControlProtocol.ReadLineAsync(client, ControlProtocol.MaxRequestBytes, read.Token);
                if (line is null)
                    return null;
                request = ControlProtocol.ParseRequest(line);
            }
            catch (ControlProtocolException e)
            {
                LogRejected(_logger, peer.Pid, peer.Uid, e.Message);
                return ControlResponse.Failure(e.Message);
            }
            catch (OperationCanceledException) when (!_stopping.IsCancellationRequested)
            {
                LogRejected(_logger, peer.Pid, peer.Uid, $"no request line within {ControlProtocol.ServerIoTimeout.TotalSeconds:0} s");
                return ControlResponse.Failure($"no request line within {ControlProtocol.ServerIoTimeout.TotalSeconds:0} s");
            }
        }

        using var snapshot = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
        snapshot.CancelAfter(ControlProtocol.SnapshotTimeout);
        try
        {
            return ControlResponse.Success(await _status!(snapshot.Token));
        }
        catch (OperationCanceledException) when (!_stopping.IsCancellationRequested)
        {
            return ControlResponse.Failure($"the supervisor's loop did not answer within {ControlProtocol.SnapshotTimeout.TotalSeconds:0} s");
        }
    }

    /// <summary>Set when a successor supervisor (SIGUSR2) has bound the same path: the file is the successor's.</summary>
    public bool KeepFileOnDispose { get; set; }

    /// <summary>Stops accepting, ends open connections, and removes the socket file.</summary>
    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        if (KeepFileOnDispose)
            SocketFiles.CloseKeepingFile(_socket);
        else
            _socket.Dispose();
        try
        {
            Task all = Task.WhenAll(_connections.Keys.Append(_acceptLoop ?? Task.CompletedTask));
            await all.WaitAsync(TimeSpan.FromSeconds(2));
        }
        catch (TimeoutException)
        {
            // A connection stuck in the kernel is not worth holding up the exit for.
        }
        try
        {
            if (!KeepFileOnDispose)
                File.Delete(Path);
        }
        catch (IOException)
        {
        }
        _stopping.Dispose();
    }

    [LoggerMessage(EventId = Ids.ControlSocketListening, Level = LogLevel.Information, Message = "Control socket at {ControlSocket} (mode 600): forkhost status --control-socket {ControlSocket}")]
    private static partial void LogListening(ILogger logger, string controlSocket);

    [LoggerMessage(EventId = Ids.ControlPeerRefused, Level = LogLevel.Warning, Message = "Control connection from pid {PeerPid} (uid {PeerUid}) refused: {Reason}")]
    private static partial void LogRefused(ILogger logger, int peerPid, uint peerUid, string reason);

    [LoggerMessage(EventId = Ids.ControlRequestRejected, Level = LogLevel.Warning, Message = "Control request from pid {PeerPid} (uid {PeerUid}) rejected: {Reason}")]
    private static partial void LogRejected(ILogger logger, int peerPid, uint peerUid, string reason);

    [LoggerMessage(EventId = Ids.ControlConnectionFailed, Level = LogLevel.Debug, Message = "Control connection ended early: {ExceptionType}: {ExceptionMessage}")]
    private static partial void LogConnectionFailed(ILogger logger, string exceptionType, string exceptionMessage);

    [LoggerMessage(EventId = Ids.ControlAcceptFailed, Level = LogLevel.Warning, Message = "Control socket accept failed: {Error}; retrying")]
    private static partial void LogAcceptFailed(ILogger logger, string error);
}
