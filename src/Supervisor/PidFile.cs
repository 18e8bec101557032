namespace ForkHost.Supervisor;

/// <summary>--pid-file: written once the listeners are bound, removed when the supervisor exits.</summary>
internal sealed class PidFile : IDisposable
{
    private readonly string _path;

    private PidFile(string path) => _path = path;

    public static PidFile Write(string path)
    {
        string full = Path.GetFullPath(path);
        string temporary = full + ".tmp";
        File.WriteAllText(temporary, Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture) + "\n");
        File.Move(temporary, full, overwrite: true);
        return new PidFile(full);
    }

    /// <summary>Removes the file, unless a successor (SIGUSR2) has written its own pid there since.</summary>
    public void Dispose()
    {
        try
        {
            if (File.ReadAllText(_path).Trim() == Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture))
                File.Delete(_path);
        }
        catch (IOException)
        {
        }
    }
}
