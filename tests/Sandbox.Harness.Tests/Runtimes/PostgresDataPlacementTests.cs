using NUnit.Framework;
using Sandbox.Harness.Runtimes;
using Sandbox.Harness.Runtimes.Process;
using Sandbox.Tests.Shared;

namespace Sandbox.Harness.Tests.Runtimes;

/// <summary>
/// Where a process sandbox's PostgreSQL cluster goes: memory (<c>/dev/shm</c>) when it has room and
/// nothing else is asked, disk when asked or when it has none, a refusal naming the variable and the
/// fix when memory is demanded and cannot be had.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class PostgresDataPlacementTests
{
    private static readonly PostgresDataPlacement.MemoryFolder Roomy = new("/dev/shm", true, "tmpfs, 11.8 GiB free");
    private static readonly PostgresDataPlacement.MemoryFolder Small = new("/dev/shm", false, "tmpfs, 64 MiB free: less than 512 MiB");
    private static readonly SandboxPaths Paths = new("/home/op/lab", "blue");

    private static string OnDisk(SandboxPaths paths) => paths.PostgresFolder;

    [TestCase(null, "Auto")]
    [TestCase("", "Auto")]
    [TestCase("auto", "Auto")]
    [TestCase(" Memory ", "Memory")]
    [TestCase("disk", "Disk")]
    public void TryRead_KnowsTheThreeValues(string? value, string expected)
    {
        Assert.Multiple(() =>
        {
            Assert.That(PostgresDataPlacement.TryRead(value, "SANDBOX_POSTGRES_DATA", out var mode, out var problem), Is.True);
            Assert.That(mode.ToString(), Is.EqualTo(expected));
            Assert.That(problem, Is.Null);
        });
    }

    [Test]
    public void TryRead_AnUnknownValue_IsAProblemNamingTheVariableTheValueAndTheChoices()
    {
        Assert.That(PostgresDataPlacement.TryRead("ram", "--postgres-data", out _, out var problem), Is.False);
        Assert.Multiple(() =>
        {
            Assert.That(problem!.What, Does.Contain("--postgres-data"));
            Assert.That(problem.Detail, Does.Contain("'ram'").And.Contain("auto, memory, disk"));
            Assert.That(problem.HowToGet, Does.Contain("memory (in /dev/shm)").And.Contain("disk (in the run folder)"));
        });
    }

    [Test]
    public void FolderFor_Auto_WithRoom_IsAFolderOfItsOwnInDevShm()
    {
        var first = PostgresDataPlacement.FolderFor(Paths, new(PostgresDataPlacement.Mode.Auto, "SANDBOX_POSTGRES_DATA"), Roomy, OnDisk);
        var second = PostgresDataPlacement.FolderFor(Paths, new(PostgresDataPlacement.Mode.Auto, "SANDBOX_POSTGRES_DATA"), Roomy, OnDisk);
        Assert.Multiple(() =>
        {
            Assert.That(first, Does.Match("^/dev/shm/sandbox-pg-blue-[0-9a-f]{8}$"));
            Assert.That(second, Is.Not.EqualTo(first), "a random part: a sandbox of the same name in another home gets its own");
            Assert.That(PostgresDataPlacement.IsInMemory(first), Is.True);
        });
    }

    [Test]
    public void FolderFor_Auto_WithoutRoom_AndDisk_AreOnDisk()
    {
        Assert.Multiple(() =>
        {
            Assert.That(PostgresDataPlacement.FolderFor(Paths, new(PostgresDataPlacement.Mode.Auto, "SANDBOX_POSTGRES_DATA"), Small, OnDisk), Is.EqualTo(Paths.PostgresFolder));
            Assert.That(PostgresDataPlacement.FolderFor(Paths, new(PostgresDataPlacement.Mode.Disk, "SANDBOX_POSTGRES_DATA"), Roomy, OnDisk), Is.EqualTo(Paths.PostgresFolder));
            Assert.That(PostgresDataPlacement.IsInMemory(Paths.PostgresFolder), Is.False);
        });
    }

    [Test]
    public void FolderFor_MemoryDemanded_WithoutRoom_IsRefusedWithTheFix()
    {
        var ex = Assert.Throws<SandboxRuntimeException>(() => PostgresDataPlacement.FolderFor(Paths, new(PostgresDataPlacement.Mode.Memory, "SANDBOX_POSTGRES_DATA"), Small, OnDisk));
        Assert.That(ex!.Message, Does.Contain("as SANDBOX_POSTGRES_DATA asks").And.Contain("64 MiB free").And.Contain("--shm-size"));
        Assert.That(PostgresDataPlacement.FolderFor(Paths, new(PostgresDataPlacement.Mode.Memory, "SANDBOX_POSTGRES_DATA"), Roomy, OnDisk), Does.StartWith("/dev/shm/sandbox-pg-blue-"));
    }

    [Test]
    public void Refusal_OnlyWhenMemoryIsDemandedAndMissing()
    {
        Assert.Multiple(() =>
        {
            Assert.That(PostgresDataPlacement.Refusal(new(PostgresDataPlacement.Mode.Auto, "--postgres-data"), Small), Is.Null);
            Assert.That(PostgresDataPlacement.Refusal(new(PostgresDataPlacement.Mode.Disk, "--postgres-data"), Small), Is.Null);
            Assert.That(PostgresDataPlacement.Refusal(new(PostgresDataPlacement.Mode.Memory, "--postgres-data"), Roomy), Is.Null);
            Assert.That(PostgresDataPlacement.Refusal(new(PostgresDataPlacement.Mode.Memory, "--postgres-data"), Small)!.Detail, Does.Contain("512 MiB free needed"));
        });
    }

    [Test]
    public void Probe_AFolderThatIsMissing_IsNotUsable()
    {
        var probe = PostgresDataPlacement.Probe(Path.Combine(Path.GetTempPath(), "sandbox-no-such-" + Guid.NewGuid().ToString("N")));
        Assert.Multiple(() =>
        {
            Assert.That(probe.Usable, Is.False);
            Assert.That(probe.Detail, Does.Contain(OperatingSystem.IsLinux() ? "does not exist" : "only Linux"));
        });
    }

    [Test]
    public void Probe_DevShm_AgreesWithTheKernelsMountTable()
    {
        Requires.That(OperatingSystem.IsLinux() && File.Exists("/proc/self/mountinfo"), "Linux's /proc/self/mountinfo", "run on Linux");
        // mountinfo: "... mount-point ... - fstype source options"; the last line for the folder is the one
        // in force. /dev/shm may be a link (to /run/shm): the table names the real folder.
        var real = new DirectoryInfo("/dev/shm").ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? "/dev/shm";
        var line = File.ReadLines("/proc/self/mountinfo").LastOrDefault(l => l.Split(' ')[4] == real);
        var tmpfs = line is not null && line.Split(" - ")[1].Split(' ')[0] == "tmpfs";

        var probe = PostgresDataPlacement.Probe();

        if (!tmpfs)
        {
            Assert.That(probe.Usable, Is.False, $"/dev/shm is not a tmpfs here, so a cluster must not go there ({probe.Detail})");
            return;
        }

        const UnixFileMode open = UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute | UnixFileMode.StickyBit;
        var openToAll = (new DirectoryInfo("/dev/shm").UnixFileMode & open) == open;
        var free = new DriveInfo("/dev/shm").AvailableFreeSpace;
        Assert.Multiple(() =>
        {
            Assert.That(probe.Usable, Is.EqualTo(openToAll && free >= PostgresDataPlacement.MinimumFreeBytes), probe.Detail);
            Assert.That(probe.Detail, Does.StartWith("tmpfs, "));
        });
    }

    [Test]
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public void Probe_ATmpfsFolderClosedToOthers_IsNotUsable()
    {
        var tmpfs = OperatingSystem.IsLinux() && Directory.Exists("/dev/shm") && new DriveInfo("/dev/shm").DriveFormat == "tmpfs";
        Requires.That(tmpfs, "a tmpfs at /dev/shm", "mount a tmpfs there (Linux mounts one by default)");
        var closed = Directory.CreateDirectory(Path.Combine("/dev/shm", "sandbox-test-" + Guid.NewGuid().ToString("N")[..8])).FullName;
        try
        {
            File.SetUnixFileMode(closed, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            var probe = PostgresDataPlacement.Probe(closed);
            Assert.Multiple(() =>
            {
                Assert.That(probe.Usable, Is.False);
                Assert.That(probe.Detail, Does.Contain("tmpfs").And.Contain("not open to all users"));
            });
        }
        finally
        {
            Directory.Delete(closed);
        }
    }

    [TestCase("memory", false, "as SANDBOX_POSTGRES_DATA asks")]
    [TestCase("bogus", true, "'bogus' is not one of")]
    public async Task Preflight_RefusesWhatCannotBeHad(string value, bool roomy, string expected)
    {
        var preflight = await PreflightWithAsync(value, roomy ? Roomy : Small, new SandboxOptions { Runtime = RuntimeKind.Process });
        Assert.Multiple(() =>
        {
            Assert.That(preflight.Usable, Is.False);
            Assert.That(preflight.Problems.Select(p => p.What + ": " + p.Detail), Has.Some.Contains(expected));
        });
    }

    [TestCase("", true, "PostgreSQL data: in memory (/dev/shm: tmpfs, 11.8 GiB free)")]
    [TestCase("", false, "PostgreSQL data: on disk (/dev/shm: tmpfs, 64 MiB free: less than 512 MiB)")]
    [TestCase("disk", true, "PostgreSQL data: on disk (as SANDBOX_POSTGRES_DATA asks)")]
    public async Task Preflight_SaysWhereTheDataGoes(string value, bool roomy, string expected)
    {
        var preflight = await PreflightWithAsync(value, roomy ? Roomy : Small, new SandboxOptions { Runtime = RuntimeKind.Process });
        Assert.That(preflight.Found, Has.Some.StartsWith(expected));
    }

    [Test]
    public async Task Preflight_TheOptionWinsOverTheVariable()
    {
        var chosen = await PreflightWithAsync("memory", Small, new SandboxOptions { Runtime = RuntimeKind.Process, PostgresData = "disk" });
        var refused = await PreflightWithAsync("memory", Small, new SandboxOptions { Runtime = RuntimeKind.Process });
        Assert.Multiple(() =>
        {
            Assert.That(chosen.Found, Has.Some.StartsWith("PostgreSQL data: on disk (as --postgres-data asks)"));
            Assert.That(refused.Problems.Select(p => p.What), Has.Some.Contains("as SANDBOX_POSTGRES_DATA asks"));
        });
    }

    // The process runtime's preflight with SANDBOX_POSTGRES_DATA set to value (the fixture is NonParallelizable).
    private static async Task<RuntimePreflight> PreflightWithAsync(string value, PostgresDataPlacement.MemoryFolder memory, SandboxOptions options)
    {
        var before = Environment.GetEnvironmentVariable(PostgresDataPlacement.Variable);
        Environment.SetEnvironmentVariable(PostgresDataPlacement.Variable, value);
        try
        {
            return await new ProcessRuntime { MemoryProbe = () => memory }.PreflightAsync(options);
        }
        finally
        {
            Environment.SetEnvironmentVariable(PostgresDataPlacement.Variable, before);
        }
    }
}
