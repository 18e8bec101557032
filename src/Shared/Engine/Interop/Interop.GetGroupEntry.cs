using System.Runtime.InteropServices;

internal static partial class Interop
{
    internal static partial class Libc
    {
        /// <summary>getgrnam(3): the group's entry through NSS, or null. Not thread-safe: call from one thread.</summary>
        [LibraryImport(LibraryName, EntryPoint = "getgrnam", StringMarshalling = StringMarshalling.Utf8)]
        internal static partial nint GetGroupEntry(string name);

        /// <summary>struct group on 64-bit Linux: two pointers (name, password), then gid_t gr_gid.</summary>
        internal const int GroupEntryGroupIdOffset = 16;
    }
}
