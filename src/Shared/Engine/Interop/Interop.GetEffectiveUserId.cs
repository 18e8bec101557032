using System.Runtime.InteropServices;

internal static partial class Interop
{
    internal static partial class Libc
    {
        [LibraryImport(LibraryName, EntryPoint = "geteuid")]
        internal static partial uint GetEffectiveUserId();
    }
}
