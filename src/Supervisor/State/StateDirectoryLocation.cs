namespace ForkHost.Supervisor.State;

/// <summary>
/// Where the state directory is and who chose it: --state-dir, then systemd's <c>StateDirectory=</c>
/// ($STATE_DIRECTORY), then the XDG base directory for state ($XDG_STATE_HOME/forkhost, ~/.local/state/forkhost).
/// </summary>
/// <param name="Path">Full path.</param>
/// <param name="Source">The option or variable it came from, for messages.</param>
internal sealed record StateDirectoryLocation(string Path, string Source)
{
    public const string Option = "--state-dir";

    /// <summary>True when the operator named it (--state-dir): then a directory that cannot be used is fatal.</summary>
    public bool Explicit => Source == Option;

    /// <returns>Null when nothing names one: no option, and none of the variables is set.</returns>
    public static StateDirectoryLocation? Resolve(string? option, Func<string, string?> environment)
    {
        if (!string.IsNullOrWhiteSpace(option))
            return new StateDirectoryLocation(System.IO.Path.GetFullPath(option), Option);
        // systemd sets a colon-separated list when the unit names several; the first is the unit's own.
        if (environment("STATE_DIRECTORY") is { Length: > 0 } systemd)
            return new StateDirectoryLocation(System.IO.Path.GetFullPath(systemd.Split(':')[0]), "$STATE_DIRECTORY");
        // The XDG base directory specification ignores relative values.
        if (environment("XDG_STATE_HOME") is { Length: > 0 } xdg && System.IO.Path.IsPathRooted(xdg))
            return new StateDirectoryLocation(System.IO.Path.Combine(xdg, "forkhost"), "$XDG_STATE_HOME");
        if (environment("HOME") is { Length: > 0 } home && System.IO.Path.IsPathRooted(home))
            return new StateDirectoryLocation(System.IO.Path.Combine(home, ".local", "state", "forkhost"), "$HOME");
        return null;
    }
}
