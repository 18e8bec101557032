using System.Runtime.InteropServices;

internal static partial class Interop
{
    internal static partial class Libc
    {
        /// <summary>getpwnam(3): the user's entry through NSS (files, LDAP…), or null. Not thread-safe: call from one thread.</summary>
        [LibraryImport(LibraryName, EntryPoint = "getpwnam", StringMarshalling = StringMarshalling.Utf8)]
        internal static partial nint GetPasswordEntry(string name);

        /// <summary>struct passwd on 64-bit Linux: two pointers (name, password), then uid_t pw_uid and gid_t pw_gid.</summary>
        internal const int PasswordEntryUserIdOffset = 16;
        internal const int PasswordEntryGroupIdOffset = 20;
    }
}
