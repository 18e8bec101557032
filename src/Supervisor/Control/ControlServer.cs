using System.Collections.Concurrent;
using System.Net.Sockets;
using ForkHost.Supervisor.Configuration;
using ForkHost.Supervisor.Listeners;
using ForkHost.Logging;
using Microsoft.Extensions.Logging;
using Ids = ForkHost.Logging.EventIds;

namespace ForkHost.Supervisor.Control;

/// <summary>
/// Serves the control protocol on a unix socket only the supervisor's user (and root) can open: mode 0600 from the
/// moment the file exists, and each peer's uid checked again with SO_PEERCRED. It runs on the thread pool, never on the
/// arbiter loop: a client that sends nothing, too much, or garbage costs one bounded connection, not the loop's time.
/// The snapshot itself is taken on the loop, through the delegate.
/// <para>
/// At most <see cref="MaxConnections"/> connections are open at once. Only the supervisor's user and root can connect
/// (mode 0600), so a per-user limit or a slot reserved for the owner would not tell a flood from <c>forkhost status</c>:
/// both come from the same uid. Two things do. The peer's pid (SO_PEERCRED): one process holds at most
/// <see cref="MaxConnectionsPerPeer"/>, so a runaway script cannot take every slot from a status run beside it. And
/// behaviour: status writes its request right after connect and is answered in milliseconds, while a flood holds
/// connections that send nothing. So a connection over either limit takes the place of the oldest idle one (no
/// request read and no byte waiting in the kernel) of that process, or of anyone when all slots are taken, and is
/// refused only when every connection it could replace is being answered. Both are logged at most once per
/// <see cref="OverCapacityLogInterval"/>, with the count of the others.
/// </para>
/// </summary>
internal sealed partial class ControlServer : IAsyncDisposable
{
    /// <summary>Connections open at once; beyond it an idle one is closed, or the new one, so a flood cannot queue work on the arbiter.</summary>
    public const int MaxConnections = 8;

    /// <summary>Connections one peer process (by SO_PEERCRED pid) holds at once; the rest of the slots stay for the others.</summary>
    public const int MaxConnectionsPerPeer = 4;

    /// <summary>
    /// The listen backlog: connections wait here only until the accept loop decides on them, which takes no I/O, so
    /// a burst is absorbed instead of failing connect(2) with EAGAIN (what a full unix socket backlog does).
    /// </summary>
    private const int AcceptBacklog = 128;

    public static readonly TimeSpan OverCapacityLogInterval = TimeSpan.FromSeconds(10);

    /// <summary>rw------- : the socket file's mode, and (as 0177) the umask it is created under.</summary>
    private const UnixFileMode SocketMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const uint SocketUmask = 0b001_111_111;

    private readonly Socket _socket;
    private readonly ILogger _logger;
    private readonly uint _ownUid = Interop.Libc.GetEffectiveUserId();
    private readonly CancellationTokenSource _stopping = new();
    private readonly ConcurrentDictionary<Task, bool> _connections = new();
    private readonly Lock _admission = new();
    private readonly List<ControlConnection> _open = [];
    private readonly LogThrottle _overCapacityLog = new(OverCapacityLogInterval);
    private Func<CancellationToken, Task<StatusSnapshot>>? _status;
    private Task? _acceptLoop;

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
            socket.Listen(AcceptBacklog);
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

            PeerCredentials peer;
            try
            {
                peer = PeerCredentials.Of(client);
            }
            catch (SocketException)
            {
                client.Dispose();
                continue;
            }
            var connection = new ControlConnection(client, peer, Environment.TickCount64);
            if (!TryAdmit(connection))
            {
                client.Dispose();
                continue;
            }
            Task serving = Task.Run(() => ServeAsync(connection));
            _connections[serving] = true;
            _ = serving.ContinueWith(done => _connections.TryRemove(done, out _), TaskScheduler.Default);
        }
    }

    /// <summary>
    /// Admits a new connection, in the place of its own process's oldest idle one when that process is at its quota,
    /// or of anyone's oldest idle one when all slots are taken.
    /// </summary>
    /// <returns>False when there is no idle connection to replace: the new connection is to be closed.</returns>
    private bool TryAdmit(ControlConnection connection)
    {
        ControlConnection? evicted = null;
        lock (_admission)
        {
            List<ControlConnection> samePeer = _open.Where(c => c.Peer.Pid == connection.Peer.Pid).ToList();
            IEnumerable<ControlConnection>? replaceable = samePeer.Count >= MaxConnectionsPerPeer ? samePeer
                : _open.Count >= MaxConnections ? _open
                : null;
            if (replaceable is not null)
            {
                evicted = replaceable.Where(c => c.IsIdle).MinBy(c => c.AcceptedAt);
                if (evicted is null)
                {
                    LogOverCapacity(connection.Peer, "refused: every connection it could replace is being answered");
                    return false;
                }
                _open.Remove(evicted);
            }
            _open.Add(connection);
        }
        if (evicted is not null)
        {
            evicted.Evict();
            LogOverCapacity(connection.Peer,
                $"accepted in the place of an idle connection from pid {evicted.Peer.Pid}, open {Environment.TickCount64 - evicted.AcceptedAt} ms without a request");
        }
        return true;
    }

    private void LogOverCapacity(PeerCredentials peer, string action)
    {
        if (_overCapacityLog.ShouldLog(out int suppressed))
            LogOverCapacity(_logger, MaxConnections, MaxConnectionsPerPeer, peer.Pid, peer.Uid, action, suppressed, OverCapacityLogInterval.TotalSeconds);
    }

    private async Task ServeAsync(ControlConnection connection)
    {
        try
        {
            using (connection.Socket)
            {
                ControlResponse? response = await AnswerAsync(connection);
                if (response is null)
                    return;
                using var write = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
                write.CancelAfter(ControlProtocol.ServerIoTimeout);
                await ControlProtocol.WriteLineAsync(connection.Socket, response, ControlJsonContext.Default.ControlResponse, write.Token);
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
            lock (_admission)
                _open.Remove(connection);
        }
    }

    /// <summary>The response for one connection; null when there is no one to answer (the peer sent nothing and left).</summary>
    private async Task<ControlResponse?> AnswerAsync(ControlConnection connection)
    {
        Socket client = connection.Socket;
        PeerCredentials peer = connection.Peer;
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
                connection.MarkRequestRead();
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

    [LoggerMessage(EventId = Ids.ControlOverCapacity, Level = LogLevel.Warning,
        Message = "Control socket at its limit ({MaxConnections} connections, {MaxPerPeer} per process): connection from pid {PeerPid} (uid {PeerUid}) {Action}; {Suppressed} more like it since the last such line (logged at most every {IntervalSeconds} s)")]
    private static partial void LogOverCapacity(ILogger logger, int maxConnections, int maxPerPeer, int peerPid, uint peerUid, string action, int suppressed, double intervalSeconds);

    [LoggerMessage(EventId = Ids.ControlConnectionFailed, Level = LogLevel.Debug, Message = "Control connection ended early: {ExceptionType}: {ExceptionMessage}")]
    private static partial void LogConnectionFailed(ILogger logger, string exceptionType, string exceptionMessage);

    [LoggerMessage(EventId = Ids.ControlAcceptFailed, Level = LogLevel.Warning, Message = "Control socket accept failed: {Error}; retrying")]
    private static partial void LogAcceptFailed(ILogger logger, string error);
}
