using System.Net.Sockets;

namespace ForkHost.Supervisor.Listeners;

internal static class SocketFiles
{
    /// <summary>
    /// Closes a unix socket's descriptor but leaves its file: disposing a bound .NET socket unlinks its path, which after
    /// a handover (SIGUSR2) belongs to the successor serving on the same socket.
    /// </summary>
    public static void CloseKeepingFile(Socket socket)
    {
        int fd = (int)socket.SafeHandle.DangerousGetHandle();
        socket.SafeHandle.SetHandleAsInvalid();
        GC.SuppressFinalize(socket);
        Channel.FileDescriptors.Close(fd);
    }
}
