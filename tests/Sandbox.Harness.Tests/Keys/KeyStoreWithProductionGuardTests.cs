using System.Diagnostics;
using NUnit.Framework;
using Sandbox.Harness.Guard;
using Sandbox.Harness.Keys;

namespace Sandbox.Harness.Tests.Keys;

/// <summary>The key store wired to the real production guard, with a test denylist naming "production's" key file.</summary>
[TestFixture]
public sealed class KeyStoreWithProductionGuardTests
{
    private string _dir = null!;

    [SetUp]
    public void SetUp()
    {
        _dir = Path.Combine(Path.GetTempPath(), "sandbox-keyprod-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_dir);
    }

    [TearDown]
    public void TearDown() => Directory.Delete(_dir, recursive: true);

    private SandboxGuard GuardDenying(string path, out GuardAuditLog audit)
    {
        audit = GuardAuditLog.InMemory();
        var denylist = Denylist.Parse($"files: [\"{path}\"]\n", Path.Combine(_dir, "denylist.yaml"));
        return new SandboxGuard(denylist, audit);
    }

    [Test]
    [CancelAfter(10_000)]
    public void ProductionKeyFile_IsRefusedUnopened_AndTheRefusalIsAudited(CancellationToken cancellationToken)
    {
        var production = Path.Combine(_dir, "cluster-keys.json");
        using (var mkfifo = Process.Start(new ProcessStartInfo("mkfifo", [production]) { UseShellExecute = false })!)
        {
            mkfifo.WaitForExit();
        }

        var guard = GuardDenying(production, out var audit);
        var store = new SandboxKeyStore(guard, caller: "broken-unseal-drill");

        var ex = Assert.ThrowsAsync<GuardBlockedException>(() => store.ReadAsync(production, cancellationToken));

        Assert.That(ex!.ExitCode, Is.EqualTo(ExitCode.GuardBlocked));
        var entry = audit.Entries[^1];
        Assert.That(entry.Allowed, Is.False);
        Assert.That(entry.Caller, Is.EqualTo("broken-unseal-drill"));
        Assert.That(entry.Target, Is.EqualTo(production));
        audit.Dispose();
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task SandboxKeyFile_IsAllowed_AndAudited(CancellationToken cancellationToken)
    {
        var production = Path.Combine(_dir, "prod", "cluster-keys.json");
        var sandbox = Path.Combine(_dir, "run", "cluster-keys.json");
        Directory.CreateDirectory(Path.GetDirectoryName(sandbox)!);
        var guard = GuardDenying(production, out var audit);
        var store = new SandboxKeyStore(guard);

        await store.WriteAsync(sandbox, KeyFileSamples.Random(1, 1), cancellationToken);
        var keys = await store.ReadAsync(sandbox, cancellationToken);

        Assert.That(keys.UnsealShares, Is.EqualTo(1));
        Assert.That(audit.Entries.Where(e => e.Target == sandbox).Select(e => e.Allowed), Is.Not.Empty.And.All.True);
        Assert.That(audit.Entries.Select(e => e.Caller), Is.All.EqualTo("key-store"));
        audit.Dispose();
    }
}
