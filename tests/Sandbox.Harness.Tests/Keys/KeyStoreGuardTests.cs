using System.Diagnostics;
using NUnit.Framework;
using Sandbox.Harness.Keys;
using Sandbox.Harness.Tests.Support;

namespace Sandbox.Harness.Tests.Keys;

/// <summary>A denylisted key path (production's cluster-keys.json) is refused before anything touches it.</summary>
[TestFixture]
public sealed class KeyStoreGuardTests
{
    private string _dir = null!;

    [SetUp]
    public void SetUp()
    {
        _dir = Path.Combine(Path.GetTempPath(), "sandbox-keyguard-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_dir);
    }

    [TearDown]
    public void TearDown() => Directory.Delete(_dir, recursive: true);

    [Test]
    [CancelAfter(10_000)]
    public void Read_OfADeniedPath_IsRefusedBeforeTheFileIsLookedFor(CancellationToken cancellationToken)
    {
        // The denied path does not even exist: had the store looked, it would have said "Missing".
        var production = Path.Combine(_dir, "home", ".arcodange", "cluster-keys.json");
        var guard = new FakeFileGuard(production);
        var store = new SandboxKeyStore(guard, caller: "test-caller");

        Assert.ThrowsAsync<FakeGuardBlockedException>(() => store.ReadAsync(production, cancellationToken));
        Assert.That(guard.Calls.Single(), Is.EqualTo((production, "test-caller")));
    }

    [Test]
    [CancelAfter(10_000)]
    public void Read_OfADeniedFifo_NeverOpensIt(CancellationToken cancellationToken)
    {
        // Opening a FIFO for reading blocks until a writer comes: a store that opened it would hang.
        var production = Path.Combine(_dir, "cluster-keys.json");
        using (var mkfifo = Process.Start(new ProcessStartInfo("mkfifo", [production]) { UseShellExecute = false })!)
        {
            mkfifo.WaitForExit();
            Assert.That(mkfifo.ExitCode, Is.Zero, "mkfifo must work for this test");
        }

        var store = new SandboxKeyStore(new FakeFileGuard(production));

        Assert.ThrowsAsync<FakeGuardBlockedException>(() => store.ReadAsync(production, cancellationToken));
        Assert.ThrowsAsync<FakeGuardBlockedException>(() => store.ReadRootTokenAsync(production, cancellationToken));
    }

    [Test]
    [CancelAfter(10_000)]
    public void Write_ToADeniedPath_CreatesNothing(CancellationToken cancellationToken)
    {
        var production = Path.Combine(_dir, "cluster-keys.json");
        var store = new SandboxKeyStore(new FakeFileGuard(production));

        Assert.ThrowsAsync<FakeGuardBlockedException>(() => store.WriteAsync(production, KeyFileSamples.Random(1, 1), cancellationToken));
        Assert.ThrowsAsync<FakeGuardBlockedException>(() => store.WriteRootTokenAsync(production, "hvs.x", cancellationToken));
        Assert.That(Directory.GetFileSystemEntries(_dir), Is.Empty);
    }

    [Test]
    [CancelAfter(10_000)]
    public void APathThatResolvesToADeniedOne_IsRefusedToo(CancellationToken cancellationToken)
    {
        var production = Path.Combine(_dir, "cluster-keys.json");
        var sneaky = Path.Combine(_dir, "sub", "..", "cluster-keys.json");
        var guard = new FakeFileGuard(production);
        var store = new SandboxKeyStore(guard);

        Assert.ThrowsAsync<FakeGuardBlockedException>(() => store.ReadAsync(sneaky, cancellationToken));
        Assert.That(guard.Calls[0].Path, Is.EqualTo(sneaky), "the guard sees the path as given first");
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task AllowedWrite_AsksTheGuardAboutTheTargetAndTheTempFile(CancellationToken cancellationToken)
    {
        var target = Path.Combine(_dir, "cluster-keys.json");
        var guard = new FakeFileGuard();
        var store = new SandboxKeyStore(guard);

        await store.WriteAsync(target, KeyFileSamples.Random(1, 1), cancellationToken);

        Assert.That(guard.Calls.Select(c => c.Path), Has.Member(target));
        Assert.That(guard.Calls.Select(c => Path.GetDirectoryName(c.Path)), Is.All.EqualTo(_dir));
        Assert.That(guard.Calls, Has.Count.EqualTo(2));
    }
}
