using System.Runtime.InteropServices;

namespace Sandbox.Harness.Guard.Internal;

/// <summary>
/// The few libc calls the guard needs and .NET does not expose: the account's home directory from
/// the password database (<c>getpwuid(3)</c>, not <c>$HOME</c>, which the caller's environment can
/// move) and a file's identity (device and inode, from <c>lstat(2)</c>, which never opens the file).
/// </summary>
internal static partial class Posix
{
    private static readonly Lazy<string?> AccountHomeLazy = new(ReadAccountHome);

    /// <summary>The home directory of the effective user from the password database, or null where there is none.</summary>
    public static string? AccountHome => AccountHomeLazy.Value;

    /// <summary>The effective user id (0 when unknown).</summary>
    public static uint EffectiveUserId => OperatingSystem.IsLinux() || OperatingSystem.IsMacOS() ? geteuid() : 0;

    /// <summary>
    /// The device and inode of <paramref name="path"/> itself (a symlink is not followed), or null
    /// when it does not exist or cannot be read. lstat(2) reads the directory entry only; the file is not opened.
    /// </summary>
    public static (ulong Device, ulong Inode)? Identity(string path)
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }

        // struct stat on Linux (x86_64 and aarch64) starts with st_dev and st_ino, 8 bytes each;
        // 256 bytes is more than the whole structure on either (144 and 128 bytes).
        var buffer = new byte[256];
        if (lstat(path, buffer) != 0)
        {
            return null;
        }

        return (BitConverter.ToUInt64(buffer, 0), BitConverter.ToUInt64(buffer, 8));
    }

    /// <summary>The device and inode of what <paramref name="path"/> leads to (stat(2), following links), or null.</summary>
    public static (ulong Device, ulong Inode)? StatIdentity(string path)
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }

        var buffer = new byte[256];
        return stat(path, buffer) == 0 ? (BitConverter.ToUInt64(buffer, 0), BitConverter.ToUInt64(buffer, 8)) : null;
    }

    private static string? ReadAccountHome()
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS())
        {
            return null;
        }

        var entry = getpwuid(geteuid());
        if (entry == IntPtr.Zero)
        {
            return null;
        }

        // struct passwd: pw_name, pw_passwd (pointers), pw_uid, pw_gid (4 bytes each), pw_gecos, pw_dir (pointers) — glibc layout.
        var dir = Marshal.ReadIntPtr(entry, (2 * IntPtr.Size) + 8 + IntPtr.Size);
        var home = Marshal.PtrToStringUTF8(dir);
        return string.IsNullOrEmpty(home) ? null : home;
    }

    [LibraryImport("libc", EntryPoint = "geteuid")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static partial uint geteuid();

    [LibraryImport("libc", EntryPoint = "getpwuid")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static partial IntPtr getpwuid(uint uid);

    [LibraryImport("libc", EntryPoint = "lstat", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static partial int lstat(string path, [Out] byte[] buffer);

    [LibraryImport("libc", EntryPoint = "stat", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static partial int stat(string path, [Out] byte[] buffer);
}
