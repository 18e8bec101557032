using System.Runtime.InteropServices;

internal static partial class Interop
{
    internal static partial class Libc
    {
        // .NET sets a file's mode but not its owner. lchown: the state directory's key files, never what a link points to.
        [LibraryImport(LibraryName, EntryPoint = "lchown", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
        internal static partial int LChown(string path, uint owner, uint group);
    }
}
