extern alias sandboxcli;

using System.Diagnostics;
using System.Security.Cryptography;
using NUnit.Framework;
using Sandbox.Harness.Guard;
using Sandbox.Harness.Reporting;
using Sandbox.Harness.Runtimes;
using Sandbox.Harness.Runtimes.Docker;
using Sandbox.Harness.Runtimes.Internal;
using Sandbox.Harness.Runtimes.K3d;
using Sandbox.Harness.Runtimes.Process;
using Sandbox.Tests.Shared;
using ScenarioParts = sandboxcli::Sandbox.Cli.Drills.ScenarioParts;
using ScenarioRunner = sandboxcli::Sandbox.Cli.Drills.ScenarioRunner;
using VaultKind = Sandbox.Harness.Reporting.VaultKind;

namespace Sandbox.Harness.Tests.Guard;

/// <summary>
/// The files Sandbox reads for itself (the evidence pack's scenario results and logs, the state file,
/// the PostgreSQL template's marker, a chart archive, the image probe's cache, the parts and raw files
/// of a scenario run, the k3d assets, the process runtime's postmaster.pid) and the files a run writes go through the file guard as the user's files do. The denied "key file" is a
/// FIFO (an open for reading would block until the test's timeout) put where each of them reads, as a
/// symlink, a hard link or a path through a symlinked folder and <c>..</c>; strace, attached to the
/// test process, shows that none of them was opened and that no syscall named the denied file.
/// </summary>
[TestFixture]
[NonParallelizable]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class HarnessReadsFileGuardTests
{
    private string _root = null!;
    private string _denied = null!;
    private string? _savedCache;

    [SetUp]
    public void SetUp()
    {
        _root = Directory.CreateTempSubdirectory("guard-harness-reads-").FullName;
        Directory.CreateDirectory(Path.Combine(_root, "prod", "sub"));
        _denied = Path.Combine(_root, "prod", "cluster-keys.json");
        Run("mkfifo", _denied);
        var denylist = Path.Combine(_root, "denylist.yaml");
        File.WriteAllText(denylist, $"files: [\"{_denied}\"]\n");
        _ = Denylist.Resolve(denylist);
        _savedCache = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
        Environment.SetEnvironmentVariable("XDG_CACHE_HOME", Path.Combine(_root, "cache"));
    }

    [TearDown]
    public void TearDown()
    {
        Environment.SetEnvironmentVariable("XDG_CACHE_HOME", _savedCache);
        _ = Denylist.Resolve(null);
        Directory.Delete(_root, recursive: true);
    }

    [Test]
    [CancelAfter(120000)]
    public async Task SandboxOwnReads_RefuseEveryAliasOfTheKeyFile_WithoutOpeningIt(CancellationToken cancellationToken)
    {
        Requires.That(SyscallTrace.IsAvailable, "strace (to observe syscalls)", "apt-get install -y strace");
        using var fifo = DeniedFifo.UnblockOnTimeout(_denied, cancellationToken);
        Directory.CreateSymbolicLink(Path.Combine(_root, "jump"), Path.Combine(_root, "prod", "sub"));
        var dotDot = Path.Combine(_root, "jump") + "/../cluster-keys.json";
        var aliases = new List<string>();
        var loaders = new List<(string Name, Func<Task> Load)>();
        var runs = new List<SandboxRun>();
        var run = new RunInfo { Command = "drill", Runtime = "process", Vault = new VaultInfo(VaultKind.HashiCorpVault, "1.0.0") };

        // Where a loader is given a path: the path is an alias of the key file.
        foreach (var (kind, i) in new[] { "symlink", "hardlink", "dotdot" }.Select((k, i) => (k, i)))
        {
            var spelling = kind == "dotdot" ? dotDot : Alias(Path.Combine(_root, $"given-{i}", "file"), kind, aliases);
            loaders.Add(($"evidence pack, log copy ({kind})", () => EvidencePack.ComposeAsync(Folder($"report-{i}"), run with { GuardAuditLogPath = spelling }, cancellationToken)));
            loaders.Add(($"chart archive ({kind})", () => Task.FromResult(K3dRuntime.ChartArchiveVersion(spelling))));
            loaders.Add(($"scenario runner, log concatenation ({kind})", () => ScenarioRunner.ConcatenateAsync(Path.Combine(Folder($"concat-{i}"), "out.log"), [spelling], null, cancellationToken)));
            var writer = NewRun($"write-{i}", RuntimeKind.Process, runs);
            loaders.Add(($"sandbox run, file write ({kind})", () => writer.WriteFileAsync(spelling, "x", cancellationToken: cancellationToken)));
        }

        // Where a loader reads a file of a folder: that file is an alias of the key file.
        foreach (var (kind, i) in new[] { "symlink", "hardlink" }.Select((k, i) => (k, i)))
        {
            var report = Folder($"scenarios-{i}");
            Alias(Path.Combine(report, EvidencePack.ScenariosFolder, "a.json"), kind, aliases);
            loaders.Add(($"evidence pack, scenario results ({kind})", () => EvidencePack.ReadScenariosAsync(report, cancellationToken)));

            var paths = new SandboxPaths(Folder($"home-{i}"), "lab");
            Alias(paths.StateFile, kind, aliases);
            loaders.Add(($"state file, read ({kind})", () => SandboxStateStore.TryReadAsync(paths, cancellationToken)));
            loaders.Add(($"state file, write ({kind})", () => SandboxStateStore.WriteAsync(paths, new SandboxState { Name = "lab" }, cancellationToken)));

            var template = Folder($"template-{i}");
            Alias(Path.Combine(template, PostgresTemplate.MarkerFile), kind, aliases);
            loaders.Add(($"postgres template marker ({kind})", () => Task.FromResult(PostgresTemplate.BuildId(template))));

            var imageId = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
            Alias(Path.Combine(VaultImageProbe.CacheFolder(), imageId), kind, aliases);
            loaders.Add(($"image probe cache ({kind})", () => VaultImageProbe.AskAsync(
                (_, _) => throw new AssertionException("docker was asked although the cache file is refused"), SandboxGuard.ForFiles, "vault:test", "sha256:" + imageId, cancellationToken)));

            var part = Folder($"part-{i}");
            Alias(Path.Combine(part, "raw", "guard-audit.jsonl"), kind, aliases);
            loaders.Add(($"scenario parts ({kind})", () => ScenarioParts.MergeAsync(Folder($"merged-{i}"), [part], TimeSpan.Zero, cancellationToken)));

            var assets = Folder($"assets-{i}");
            Alias(Path.Combine(assets, "cluster.yaml"), kind, aliases);
            var k3dRun = NewRun($"k3d-{i}", RuntimeKind.K3d, runs);
            loaders.Add(($"k3d assets, cluster.yaml ({kind})", () => new K3dRuntime(assetsDirectory: assets).StartPostgresAsync(k3dRun, cancellationToken)));

            var processRun = NewRun($"process-{i}", RuntimeKind.Process, runs);
            processRun.State.PostgresDataDirectory = Folder($"pgdata-{i}");
            Alias(Path.Combine(processRun.State.PostgresDataDirectory, "postmaster.pid"), kind, aliases);
            loaders.Add(($"process runtime, postmaster.pid ({kind})", () => new ProcessRuntime().IsPostgresRunningAsync(processRun, cancellationToken)));

            var raw = Folder($"raw-{i}");
            Alias(Path.Combine(raw, "run.json"), kind, aliases);
            loaders.Add(($"scenario runner, run.json ({kind})", () => ScenarioRunner.ReadRunAsync(raw, "process", new VaultInfo(VaultKind.Unknown, null), cancellationToken)));
        }

        // An honest state file, written and read back: the trace sees it opened.
        var honest = new SandboxPaths(Folder("home-honest"), "lab");
        await SandboxStateStore.WriteAsync(honest, new SandboxState { Name = "lab" }, cancellationToken);
        _ = SandboxGuard.ForFiles.CheckFile(honest.StateFile, "warm-up"); // built (and the denied file's identity taken) before the trace starts

        var refusals = new List<string>();
        SandboxState? readBack;
        IReadOnlyList<(string Syscall, string Path)> calls;
        using (var trace = SyscallTrace.Start())
        {
            foreach (var (name, load) in loaders)
            {
                var ex = Assert.ThrowsAsync<GuardBlockedException>(async () => await load(), $"{name} read the key file")!;
                refusals.Add(ex.Decision.Rule);
            }

            readBack = await SandboxStateStore.TryReadAsync(honest, cancellationToken);
            calls = trace.Stop();
        }

        runs.ForEach(r => r.Dispose());

        var opened = calls.Where(c => c.Syscall.StartsWith("open", StringComparison.Ordinal)).Select(c => c.Path).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(refusals, Has.Count.EqualTo(loaders.Count).And.All.EqualTo($"files:{_denied}"));
            Assert.That(readBack?.Name, Is.EqualTo("lab"), "the honest state file is read as before");
            Assert.That(opened, Does.Contain(honest.StateFile), "the trace sees the honest state file opened, so its silence about the others means something");
            Assert.That(opened.Intersect(aliases), Is.Empty, "a loader opened an alias of the key file");
            Assert.That(opened, Has.None.EqualTo(dotDot));
            Assert.That(calls.Where(c => c.Path.Contains("cluster-keys.json", StringComparison.Ordinal) && !c.Path.Contains("jump", StringComparison.Ordinal)), Is.Empty, "a syscall named the denied file");
            Assert.That(fifo.Unblocked, Is.Zero, "a loader opened the denied FIFO and hung there until the test's timeout");
        });
    }

    /// <summary>A missing state file, scenario folder or template marker reads as before: nothing, not an error.</summary>
    [Test]
    [CancelAfter(20000)]
    public async Task MissingFiles_ReadAsBefore(CancellationToken cancellationToken)
    {
        var paths = new SandboxPaths(Folder("home-empty"), "lab");

        Assert.Multiple(async () =>
        {
            Assert.That(await SandboxStateStore.TryReadAsync(paths, cancellationToken), Is.Null);
            Assert.That(await EvidencePack.ReadScenariosAsync(Folder("empty-report"), cancellationToken), Is.Empty);
            Assert.That(PostgresTemplate.BuildId(Folder("empty-template")), Is.Null);
            Assert.That(K3dRuntime.ChartArchiveVersion(Path.Combine(_root, "no-such.tgz")), Is.Null);
            Assert.That(await ScenarioRunner.ConcatenateAsync(Path.Combine(_root, "out.log"), [Path.Combine(_root, "no-such.log")], null, cancellationToken), Is.Null);
        });
    }

    /// <summary>Makes <paramref name="path"/> (and its folder) a symlink or a hard link of the key file.</summary>
    private string Alias(string path, string kind, List<string> aliases)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        if (kind == "symlink")
        {
            File.CreateSymbolicLink(path, _denied);
        }
        else
        {
            Run("ln", _denied, path);
        }

        aliases.Add(path);
        return path;
    }

    /// <summary>A run of a sandbox that never started (no cluster, no processes), with the file guard of the test's denylist.</summary>
    private SandboxRun NewRun(string home, RuntimeKind runtime, List<SandboxRun> runs)
    {
        var run = new SandboxRun(new SandboxPaths(Folder(home), "lab"), new SandboxState { Name = "lab", Runtime = runtime }, new SandboxOptions { Runtime = runtime },
            SandboxGuard.ForFiles, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance, TimeProvider.System);
        runs.Add(run);
        return run;
    }

    private string Folder(string name) => Directory.CreateDirectory(Path.Combine(_root, name)).FullName;

    private static void Run(string program, params string[] args)
    {
        using var process = Process.Start(program, args);
        process.WaitForExit();
        Assert.That(process.ExitCode, Is.Zero, $"{program} {string.Join(' ', args)}");
    }
}
