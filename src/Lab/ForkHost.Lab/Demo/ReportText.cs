using System.Text;

namespace ForkHost.Lab.Demo;

/// <summary>The demo's text output fits 100 columns: long lines are broken at spaces.</summary>
internal static class ReportText
{
    public const int Width = 100;

    /// <summary>Appends <paramref name="line"/> after <paramref name="indent"/> spaces, continuing two further in.</summary>
    public static void Wrap(StringBuilder text, string line, int indent)
    {
        string prefix = new(' ', indent);
        while (prefix.Length + line.Length > Width)
        {
            int room = Width - prefix.Length;
            int cut = line.LastIndexOf(' ', room);
            if (cut <= 0)
                cut = room;
            text.Append(prefix).AppendLine(line[..cut]);
            line = line[cut..].TrimStart();
            prefix = new string(' ', indent + 2);
        }
        text.Append(prefix).AppendLine(line);
    }
}
