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

    public void Dispose()
    {
        try
        {
            File.Delete(_path);
        }
        catch (IOException)
        {
        }
    }
}
