using System.Diagnostics;
using NUnit.Framework;
using Sandbox.Harness.Guard;
using Sandbox.Tests.Shared;

namespace Sandbox.Harness.Tests.Guard;

/// <summary>
/// The file guard never touches a denylisted file. The denied "key file" is a FIFO, so an open
/// for reading would block the test until its timeout; and strace, attached to the test process,
/// proves that no syscall (open, stat, access, readlink...) named the denied path at all.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class FileGuardTests
{
    private string _root = null!;
    private string _denied = null!;

    [SetUp]
    public void SetUp()
    {
        _root = Directory.CreateTempSubdirectory("guard-files-").FullName;
        Directory.CreateDirectory(Path.Combine(_root, "prod"));
        _denied = Path.Combine(_root, "prod", "cluster-keys.json");
        using var mkfifo = Process.Start("mkfifo", [_denied]);
        mkfifo.WaitForExit();
        Assert.That(mkfifo.ExitCode, Is.Zero);
    }

    [TearDown]
    public void TearDown() => Directory.Delete(_root, recursive: true);

    [Test]
    [CancelAfter(60000)]
    public void DeniedFile_InEverySpelling_IsNeverTouched(CancellationToken cancellationToken)
    {
        Requires.That(SyscallTrace.IsAvailable, "strace (to observe syscalls)", "apt-get install -y strace");
        using var fifo = DeniedFifo.UnblockOnTimeout(_denied, cancellationToken);

        Directory.CreateSymbolicLink(Path.Combine(_root, "link"), Path.Combine(_root, "prod"));
        File.CreateSymbolicLink(Path.Combine(_root, "alias.json"), _denied);
        var control = Path.Combine(_root, "control.json");
        var guard = new SandboxGuard(Denylist.Parse($"files: [\"{_denied}\"]\n", "files.yaml"), GuardAuditLog.InMemory());
        var spellings = new[]
        {
            _denied,
            Path.Combine(_root, "prod", "..", "prod", "cluster-keys.json"),
            _root + "//prod///cluster-keys.json",
            Path.Combine(_root, "PROD", "Cluster-Keys.JSON"),
            Path.Combine(_root, "link", "cluster-keys.json"),
            Path.Combine(_root, "alias.json"),
            Path.Combine(_root, "prod", "cluster-keys.json", "below"),
        };
        var blocked = new List<GuardDecision>();

        IReadOnlyList<(string Syscall, string Path)> calls;
        using (var trace = SyscallTrace.Start())
        {
            foreach (var spelling in spellings)
            {
                blocked.Add(guard.CheckFile(spelling, "file-test"));
                Assert.Throws<GuardBlockedException>(() => guard.EnsureFileAllowed(spelling, "file-test"));
                Assert.Throws<GuardBlockedException>(() => guard.OpenFile(spelling, FileMode.Open, FileAccess.Read, "file-test").Dispose());
            }

            _ = File.Exists(control);
            calls = trace.Stop();
        }

        Assert.Multiple(() =>
        {
            Assert.That(blocked.Select(d => d.Allowed), Has.All.False);
            Assert.That(blocked.Select(d => d.Rule), Has.All.EqualTo($"files:{_denied}"));
            Assert.That(calls.Select(c => c.Path), Does.Contain(control), "the trace sees a plain File.Exists, so its silence about the denied file means something");
            Assert.That(calls.Where(c => c.Path.Contains("cluster-keys.json", StringComparison.OrdinalIgnoreCase)), Is.Empty, "a syscall named the denied file");
            Assert.That(fifo.Unblocked, Is.Zero, "something opened the denied FIFO and hung there until the test's timeout");
        });
    }

    [Test]
    [CancelAfter(10000)]
    public void OpenFile_AllowedPath_OpensAndAudits(CancellationToken cancellationToken)
    {
        var allowed = Path.Combine(_root, "sandbox-keys.json");
        File.WriteAllText(allowed, "{}");
        var guard = new SandboxGuard(Denylist.Parse($"files: [\"{_denied}\"]\n", "files.yaml"), GuardAuditLog.InMemory());

        using (var stream = guard.OpenFile(allowed, FileMode.Open, FileAccess.Read, "key-store"))
        {
            Assert.That(stream.ReadByte(), Is.EqualTo('{'));
        }

        var entry = guard.Audit.Entries.Single();
        Assert.Multiple(() =>
        {
            Assert.That(entry.Allowed, Is.True);
            Assert.That(entry.Caller, Is.EqualTo("key-store"));
            Assert.That(entry.Rule, Is.EqualTo(GuardRules.NotDenylisted));
        });
    }

    [Test]
    [CancelAfter(10000)]
    public void CheckFile_DeniedDirectoryEntry_CoversEverythingBelow(CancellationToken cancellationToken)
    {
        var guard = new SandboxGuard(Denylist.Parse($"files: [\"{_root}/prod/\"]\n", "files.yaml"), GuardAuditLog.InMemory());

        Assert.Multiple(() =>
        {
            Assert.That(guard.CheckFile(Path.Combine(_root, "prod", "anything.json"), "t").Allowed, Is.False);
            Assert.That(guard.CheckFile(Path.Combine(_root, "prod"), "t").Allowed, Is.False);
            Assert.That(guard.CheckFile(Path.Combine(_root, "production.json"), "t").Allowed, Is.True);
        });
    }

    [Test]
    [CancelAfter(10000)]
    public void CheckFile_DeniedEntryBehindSymlinkedParent_IsMatchedByItsRealPath(CancellationToken cancellationToken)
    {
        // The denylist names the key through a symlinked directory; the caller uses the real path.
        Directory.CreateSymbolicLink(Path.Combine(_root, "keys-link"), Path.Combine(_root, "prod"));
        var guard = new SandboxGuard(Denylist.Parse($"files: [\"{_root}/keys-link/cluster-keys.json\"]\n", "files.yaml"), GuardAuditLog.InMemory());

        var decision = guard.CheckFile(_denied, "t");

        Assert.That(decision.Allowed, Is.False, decision.Detail);
    }
}
