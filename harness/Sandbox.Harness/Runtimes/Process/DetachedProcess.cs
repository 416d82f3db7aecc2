using System.ComponentModel;
using System.Runtime.InteropServices;
using System.Runtime.Versioning;

namespace Sandbox.Harness.Runtimes.Process;

/// <summary>
/// Starts a server detached from this process, with no shell in between: <c>posix_spawnp(3)</c> with
/// <c>POSIX_SPAWN_SETSID</c> (its own session, so no terminal signal of this one reaches it; glibc 2.26),
/// the working directory set by <c>posix_spawn_file_actions_addchdir_np</c> (glibc 2.29), standard input
/// from <c>/dev/null</c>, standard output and error appended to a log file, every signal at its default
/// disposition and none blocked, and exactly the environment it is given (no inherited variable).
/// glibc's posix_spawn returns once the program was executed, with the error when it could not be
/// (glibc <c>sysdeps/unix/sysv/linux/spawni.c</c>: the child reports a failed file action or exec
/// through memory it shares with the parent until then).
/// </summary>
/// <remarks>
/// The server is this process's child while this process lives, so a thread of its own waits for it
/// (<c>waitpid</c> on that pid only): when it stops it is reaped at once and never stays a zombie. .NET's
/// own SIGCHLD handling (dotnet/runtime, <c>System.Diagnostics.Process/src/System/Diagnostics/ProcessWaitState.Unix.cs</c>,
/// <c>CheckChildren</c>) only peeks at an unknown child (<c>waitid</c> with <c>WNOWAIT</c>) and reaps just
/// the processes it started itself, unless this process was started with SIGCHLD ignored: then it reaps
/// every child, and the waiting thread's <c>waitpid</c> ends with ECHILD, which is the same outcome.
/// When this process exits first, the server is re-parented and lives on, as a detached sandbox must.
/// </remarks>
[SupportedOSPlatform("linux")]
internal static unsafe partial class DetachedProcess
{
    // glibc <spawn.h> (musl has the same values).
    private const short PosixSpawnSetSigDef = 0x04;
    private const short PosixSpawnSetSigMask = 0x08;
    private const short PosixSpawnSetSid = 0x80;

    // <fcntl.h> on Linux (x86_64 and aarch64).
    private const int ReadOnly = 0x0;
    private const int WriteOnly = 0x1;
    private const int Create = 0x40;
    private const int Append = 0x400;

    private const int Interrupted = 4; // EINTR

    // More than sizeof(posix_spawnattr_t) (336), sizeof(posix_spawn_file_actions_t) (80) and sizeof(sigset_t) (128) on glibc.
    private const int OpaqueSize = 1024;

    /// <summary>
    /// Starts <paramref name="program"/> detached and returns its pid; the program was executed when this returns.
    /// </summary>
    /// <param name="program">The executable: a path, or a name looked up on this process's <c>PATH</c> (as execvp does).</param>
    /// <param name="arguments">Its arguments (argv[1..]); argv[0] is <paramref name="program"/>.</param>
    /// <param name="environment">Its whole environment (nothing else is inherited).</param>
    /// <param name="workingDirectory">The folder it starts in.</param>
    /// <param name="logFile">Where its standard output and error are appended (created 0600 when missing; a relative path is inside <paramref name="workingDirectory"/>).</param>
    /// <exception cref="Win32Exception">The program could not be started (not found, not executable, the log not writable, ...); the message names the cause.</exception>
    public static int Start(string program, IReadOnlyList<string> arguments, IReadOnlyDictionary<string, string> environment, string workingDirectory, string logFile)
    {
        ArgumentException.ThrowIfNullOrEmpty(program);
        ArgumentNullException.ThrowIfNull(arguments);
        ArgumentNullException.ThrowIfNull(environment);
        ArgumentException.ThrowIfNullOrEmpty(workingDirectory);
        ArgumentException.ThrowIfNullOrEmpty(logFile);

        var strings = new List<IntPtr>();
        IntPtr Native(string s)
        {
            var p = Marshal.StringToCoTaskMemUTF8(s);
            strings.Add(p);
            return p;
        }

        var argv = (IntPtr*)NativeMemory.AllocZeroed((nuint)(arguments.Count + 2), (nuint)sizeof(IntPtr));
        var envp = (IntPtr*)NativeMemory.AllocZeroed((nuint)(environment.Count + 1), (nuint)sizeof(IntPtr));
        var actions = NativeMemory.AllocZeroed(OpaqueSize);
        var attributes = NativeMemory.AllocZeroed(OpaqueSize);
        var signals = NativeMemory.AllocZeroed(OpaqueSize);
        var actionsReady = false;
        var attributesReady = false;
        try
        {
            argv[0] = Native(program);
            for (var i = 0; i < arguments.Count; i++)
            {
                argv[i + 1] = Native(arguments[i]);
            }

            var n = 0;
            foreach (var (name, value) in environment)
            {
                if (name.Length == 0 || name.Contains('=', StringComparison.Ordinal) || name.Contains('\0', StringComparison.Ordinal) || value.Contains('\0', StringComparison.Ordinal))
                {
                    throw new ArgumentException($"The environment variable '{name}' cannot be passed to a program (empty name, '=' in the name or a NUL character).", nameof(environment));
                }

                envp[n++] = Native($"{name}={value}");
            }

            Check(posix_spawn_file_actions_init(actions), "posix_spawn_file_actions_init");
            actionsReady = true;

            // The working directory first, so that a relative log path is read as the shell read it.
            try
            {
                Check(posix_spawn_file_actions_addchdir_np(actions, workingDirectory), "posix_spawn_file_actions_addchdir_np");
            }
            catch (EntryPointNotFoundException e)
            {
                throw new PlatformNotSupportedException("Starting Vault detached needs posix_spawn_file_actions_addchdir_np: glibc 2.29 or newer (Debian 11, Ubuntu 20.04) or musl 1.1.24 or newer.", e);
            }

            Check(posix_spawn_file_actions_addopen(actions, 0, "/dev/null", ReadOnly, 0), "posix_spawn_file_actions_addopen /dev/null");
            Check(posix_spawn_file_actions_addopen(actions, 1, logFile, WriteOnly | Create | Append, 0x180), "posix_spawn_file_actions_addopen (log)");
            Check(posix_spawn_file_actions_adddup2(actions, 1, 2), "posix_spawn_file_actions_adddup2");
            CloseInheritedDescriptors(actions);

            Check(posix_spawnattr_init(attributes), "posix_spawnattr_init");
            attributesReady = true;
            Check(posix_spawnattr_setflags(attributes, PosixSpawnSetSid | PosixSpawnSetSigDef | PosixSpawnSetSigMask), "posix_spawnattr_setflags");
            // Every signal back to its default, glibc's own two (32 and 33) included: sigfillset leaves
            // them out, and posix_spawn then hands them to the program ignored (spawni.c).
            NativeMemory.Fill(signals, OpaqueSize, 0xFF);
            Check(posix_spawnattr_setsigdefault(attributes, signals), "posix_spawnattr_setsigdefault");
            Check(sigemptyset(signals) == 0 ? 0 : Marshal.GetLastPInvokeError(), "sigemptyset");
            Check(posix_spawnattr_setsigmask(attributes, signals), "posix_spawnattr_setsigmask");

            int pid;
            var error = posix_spawnp(&pid, program, actions, attributes, argv, envp);
            if (error != 0)
            {
                throw new Win32Exception(error, $"'{program}' could not be started in '{workingDirectory}' with its output to '{logFile}': {new Win32Exception(error).Message}");
            }

            Reap(pid);
            return pid;
        }
        finally
        {
            if (attributesReady)
            {
                _ = posix_spawnattr_destroy(attributes);
            }

            if (actionsReady)
            {
                _ = posix_spawn_file_actions_destroy(actions);
            }

            foreach (var p in strings)
            {
                Marshal.ZeroFreeCoTaskMemUTF8(p);
            }

            NativeMemory.Free(signals);
            NativeMemory.Free(attributes);
            NativeMemory.Free(actions);
            NativeMemory.Free(envp);
            NativeMemory.Free(argv);
        }
    }

    /// <summary>Descriptors of this process that lack close-on-exec (a native library's) are not inherited (glibc 2.34; skipped where missing).</summary>
    private static void CloseInheritedDescriptors(void* actions)
    {
        try
        {
            Check(posix_spawn_file_actions_addclosefrom_np(actions, 3), "posix_spawn_file_actions_addclosefrom_np");
        }
        catch (EntryPointNotFoundException)
        {
            // An older C library: .NET opens every descriptor close-on-exec, so only a native library's could leak.
        }
    }

    /// <summary>Waits for <paramref name="pid"/> on a background thread of its own and reaps it when it ends.</summary>
    private static void Reap(int pid)
    {
        var thread = new Thread(
            () =>
            {
                while (waitpid(pid, out _, 0) < 0 && Marshal.GetLastPInvokeError() == Interrupted)
                {
                    // Interrupted by a signal: wait again.
                }

                // Reaped, or ECHILD: someone that reaps every child (see the remarks) already did.
            },
            maxStackSize: 128 * 1024)
        {
            IsBackground = true,
            Name = "sandbox-detached-reaper",
        };
        thread.Start();
    }

    private static void Check(int error, string call)
    {
        if (error != 0)
        {
            throw new Win32Exception(error, $"{call} failed: {new Win32Exception(error).Message}");
        }
    }

    [LibraryImport("libc", EntryPoint = "posix_spawnp", StringMarshalling = StringMarshalling.Utf8)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static partial int posix_spawnp(int* pid, string file, void* fileActions, void* attributes, IntPtr* argv, IntPtr* envp);

    [LibraryImport("libc", EntryPoint = "posix_spawn_file_actions_init")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static partial int posix_spawn_file_actions_init(void* fileActions);

    [LibraryImport("libc", EntryPoint = "posix_spawn_file_actions_destroy")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static partial int posix_spawn_file_actions_destroy(void* fileActions);

    [LibraryImport("libc", EntryPoint = "posix_spawn_file_actions_addopen", StringMarshalling = StringMarshalling.Utf8)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static partial int posix_spawn_file_actions_addopen(void* fileActions, int fd, string path, int flags, uint mode);

    [LibraryImport("libc", EntryPoint = "posix_spawn_file_actions_adddup2")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static partial int posix_spawn_file_actions_adddup2(void* fileActions, int fd, int newFd);

    [LibraryImport("libc", EntryPoint = "posix_spawn_file_actions_addchdir_np", StringMarshalling = StringMarshalling.Utf8)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static partial int posix_spawn_file_actions_addchdir_np(void* fileActions, string path);

    [LibraryImport("libc", EntryPoint = "posix_spawn_file_actions_addclosefrom_np")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static partial int posix_spawn_file_actions_addclosefrom_np(void* fileActions, int from);

    [LibraryImport("libc", EntryPoint = "posix_spawnattr_init")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static partial int posix_spawnattr_init(void* attributes);

    [LibraryImport("libc", EntryPoint = "posix_spawnattr_destroy")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static partial int posix_spawnattr_destroy(void* attributes);

    [LibraryImport("libc", EntryPoint = "posix_spawnattr_setflags")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static partial int posix_spawnattr_setflags(void* attributes, short flags);

    [LibraryImport("libc", EntryPoint = "posix_spawnattr_setsigdefault")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static partial int posix_spawnattr_setsigdefault(void* attributes, void* signals);

    [LibraryImport("libc", EntryPoint = "posix_spawnattr_setsigmask")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static partial int posix_spawnattr_setsigmask(void* attributes, void* signals);

    [LibraryImport("libc", EntryPoint = "sigemptyset", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static partial int sigemptyset(void* signals);

    [LibraryImport("libc", EntryPoint = "waitpid", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static partial int waitpid(int pid, out int status, int options);
}
