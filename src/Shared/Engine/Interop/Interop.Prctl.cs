using System.Runtime.InteropServices;

internal static partial class Interop
{
    internal static partial class Libc
    {
        // prctl is variadic in C; fixed nuint arguments are passed the same way on x86-64 and arm64 Linux.
        [LibraryImport(LibraryName, EntryPoint = "prctl", SetLastError = true)]
        internal static partial int Prctl(int option, nuint argument2, nuint argument3, nuint argument4, nuint argument5);
    }
}
