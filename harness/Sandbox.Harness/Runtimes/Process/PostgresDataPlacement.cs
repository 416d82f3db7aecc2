namespace Sandbox.Harness.Runtimes.Process;

/// <summary>
/// Where a process sandbox's PostgreSQL cluster lives: in memory (<c>/dev/shm</c>, a tmpfs) when
/// there is room, else on disk. <c>up --postgres-data</c>, else <c>SANDBOX_POSTGRES_DATA</c>, chooses:
/// <c>auto</c> (or nothing) is that default, <c>memory</c> demands memory (the preflight refuses when
/// <c>/dev/shm</c> cannot hold it), <c>disk</c> keeps the cluster on disk.
/// <para>
/// Why memory: a copy of the template cluster creates about 960 files, and a file system may spend
/// more CPU creating them than the copy's bytes cost. On ext4 without a journal (this project's test
/// machines) each new file walks past every inode freed in the last minute (<c>recently_deleted</c>
/// in <c>fs/ext4/ialloc.c</c>), so a burst of <c>up</c>s and <c>down</c>s grows slower as it goes;
/// on a tmpfs a copy costs the same each time (bench/README.md, "PostgreSQL data in memory").
/// What it costs: about 40 MB of memory per sandbox while it exists (a tmpfs holds its files in
/// memory or swap), and the cluster is gone after a reboot — as are the sandbox's processes, which
/// nothing restarts after a reboot; <c>down</c> and <c>sweep</c> remove such a sandbox as before.
/// </para>
/// </summary>
internal static class PostgresDataPlacement
{
    /// <summary>The environment variable that chooses.</summary>
    public const string Variable = "SANDBOX_POSTGRES_DATA";

    /// <summary>The memory folder: a tmpfs on Linux.</summary>
    public const string MemoryRoot = "/dev/shm";

    /// <summary>
    /// The room <c>/dev/shm</c> must have free for a cluster to go there: the copy (about 40 MB) and
    /// its write-ahead log's growth (16 MB segments, <c>max_wal_size</c> 1 GB by default but far less
    /// in a sandbox's life), with room left for the other users of shared memory. A container's
    /// default <c>/dev/shm</c> (64 MB) is below it.
    /// </summary>
    public const long MinimumFreeBytes = 512L * 1024 * 1024;

    /// <summary>The name prefix of a cluster folder outside the run folder; <c>down</c> removes only such folders.</summary>
    public const string OutsideFolderPrefix = "sandbox-pg-";

    /// <summary>What <c>/dev/shm</c> offers: whether a cluster may go there, and why not.</summary>
    /// <param name="Root">The folder probed.</param>
    /// <param name="Usable">True when it is a tmpfs others can reach, with <see cref="MinimumFreeBytes"/> free.</param>
    /// <param name="Detail">What was found, in words (e.g. "tmpfs, 11.8 GiB free", "64 MiB free").</param>
    internal sealed record MemoryFolder(string Root, bool Usable, string Detail);

    /// <summary>The choices of <see cref="Variable"/>.</summary>
    internal enum Mode
    {
        /// <summary>Memory when <c>/dev/shm</c> can hold the cluster, else disk.</summary>
        Auto,

        /// <summary>Memory, or a refusal.</summary>
        Memory,

        /// <summary>Disk: the run folder (or a private temp folder, see <see cref="ProcessRuntime"/>).</summary>
        Disk,
    }

    /// <summary>A choice and where it came from (<c>--postgres-data</c> or <see cref="Variable"/>), for messages.</summary>
    /// <param name="Mode">The mode.</param>
    /// <param name="Source">The option or variable that set it.</param>
    internal sealed record Choice(Mode Mode, string Source)
    {
        /// <summary>True when the cluster goes to <paramref name="memory"/>: not asked for disk, and it has room.</summary>
        /// <param name="memory">What the memory folder offers.</param>
        public bool InMemory(MemoryFolder memory) => Mode != Mode.Disk && memory.Usable;
    }

    /// <summary>Reads the choice for a new sandbox: <c>--postgres-data</c> (<see cref="SandboxOptions.PostgresData"/>), else <see cref="Variable"/>.</summary>
    /// <param name="options">The sandbox's options.</param>
    /// <param name="choice">The choice, when the value is known.</param>
    /// <param name="problem">What is wrong and how to fix it, when it is not.</param>
    /// <returns>True when the value is known.</returns>
    public static bool TryRead(SandboxOptions options, out Choice choice, out PreflightProblem? problem)
    {
        ArgumentNullException.ThrowIfNull(options);
        var (value, source) = options.PostgresData is { } option
            ? (option, "--postgres-data")
            : (Environment.GetEnvironmentVariable(Variable), Variable);
        var known = TryRead(value, source, out var mode, out problem);
        choice = new Choice(mode, source);
        return known;
    }

    /// <summary>Reads a value of <c>--postgres-data</c> or <see cref="Variable"/>.</summary>
    /// <param name="value">The value, or null when unset.</param>
    /// <param name="source">Where it came from, for the problem.</param>
    /// <param name="mode">The mode, when the value is known.</param>
    /// <param name="problem">What is wrong and how to fix it, when it is not.</param>
    /// <returns>True when the value is known.</returns>
    public static bool TryRead(string? value, string source, out Mode mode, out PreflightProblem? problem)
    {
        problem = null;
        switch (value?.Trim().ToLowerInvariant())
        {
            case null or "" or "auto":
                mode = Mode.Auto;
                return true;
            case "memory":
                mode = Mode.Memory;
                return true;
            case "disk":
                mode = Mode.Disk;
                return true;
            default:
                mode = Mode.Auto;
                problem = new PreflightProblem(
                    $"{source} (where PostgreSQL's data goes)",
                    $"'{value}' is not one of auto, memory, disk",
                    $"give memory (in {MemoryRoot}), disk (in the run folder) or auto (memory when {MemoryRoot} has room, the default)");
                return false;
        }
    }

    /// <summary>Probes <paramref name="root"/> (<see cref="MemoryRoot"/> by default).</summary>
    /// <param name="root">The folder.</param>
    public static MemoryFolder Probe(string root = MemoryRoot)
    {
        if (!OperatingSystem.IsLinux())
        {
            return new MemoryFolder(root, false, "only Linux has it");
        }

        try
        {
            var dir = new DirectoryInfo(root);
            if (!dir.Exists)
            {
                return new MemoryFolder(root, false, "it does not exist");
            }

            var drive = new DriveInfo(root);
            var free = drive.AvailableFreeSpace;
            var detail = $"{drive.DriveFormat}, {Size(free)} free";
            if (!string.Equals(drive.DriveFormat, "tmpfs", StringComparison.Ordinal))
            {
                return new MemoryFolder(root, false, $"{detail}: not a tmpfs");
            }

            // Sticky and open to all (1777), as /dev/shm is: the postgres user must reach a cluster made by root.
            const UnixFileMode open = UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute | UnixFileMode.StickyBit;
            if ((dir.UnixFileMode & open) != open)
            {
                return new MemoryFolder(root, false, $"{detail}: not open to all users (mode 1777 expected)");
            }

            return free < MinimumFreeBytes
                ? new MemoryFolder(root, false, $"{detail}: less than {Size(MinimumFreeBytes)}")
                : new MemoryFolder(root, true, detail);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return new MemoryFolder(root, false, ex.Message);
        }
    }

    /// <summary>Why <see cref="Mode.Memory"/> cannot be had, as a preflight problem; null when it can.</summary>
    /// <param name="choice">The choice.</param>
    /// <param name="memory">What the memory folder offers.</param>
    public static PreflightProblem? Refusal(Choice choice, MemoryFolder memory)
    {
        ArgumentNullException.ThrowIfNull(choice);
        ArgumentNullException.ThrowIfNull(memory);
        return choice.Mode != Mode.Memory || memory.Usable
            ? null
            : new PreflightProblem(
                $"PostgreSQL's data in memory ({memory.Root}), as {choice.Source} asks",
                $"{memory.Root} cannot hold it ({memory.Detail}; {Size(MinimumFreeBytes)} free needed)",
                $"ask for auto (disk when {memory.Root} has no room) or disk; in a container, give it room (docker run --shm-size=1g)");
    }

    /// <summary>The cluster's folder for a new sandbox, in memory when <paramref name="choice"/> and <paramref name="memory"/> allow.</summary>
    /// <param name="paths">The sandbox's paths.</param>
    /// <param name="choice">The choice.</param>
    /// <param name="memory">What the memory folder offers.</param>
    /// <param name="onDisk">The folder on disk (the run folder's, or a private temp folder).</param>
    /// <exception cref="SandboxRuntimeException">Memory was demanded and cannot be had (the preflight says so first).</exception>
    public static string FolderFor(SandboxPaths paths, Choice choice, MemoryFolder memory, Func<SandboxPaths, string> onDisk)
    {
        ArgumentNullException.ThrowIfNull(paths);
        ArgumentNullException.ThrowIfNull(onDisk);
        if (Refusal(choice, memory) is { } refusal)
        {
            throw SandboxRuntimeException.LaunchFailed("PostgreSQL", $"{refusal.What}: {refusal.Detail}. Fix: {refusal.HowToGet}");
        }

        return choice.InMemory(memory)
            ? Path.Combine(memory.Root, $"{OutsideFolderPrefix}{paths.Name}-{Guid.NewGuid().ToString("N")[..8]}")
            : onDisk(paths);
    }

    /// <summary>True when <paramref name="folder"/> lies in <see cref="MemoryRoot"/>.</summary>
    /// <param name="folder">A cluster folder.</param>
    public static bool IsInMemory(string? folder) =>
        folder is not null && Path.GetFullPath(folder).StartsWith(MemoryRoot + "/", StringComparison.Ordinal);

    private static string Size(long bytes) => bytes >= 1L << 30
        ? $"{bytes / (double)(1L << 30):0.0} GiB"
        : $"{bytes >> 20} MiB";
}
