using System.Text.Json;
using NUnit.Framework;
using Sandbox.Harness.Runtimes.Process;
using Sandbox.Tests.Shared;

namespace Sandbox.Harness.Tests.Runtimes;

/// <summary>
/// A PostgreSQL cluster in /dev/shm outlives a home deleted without 'down'; sweep, run from any home,
/// removes it (its server stopped first) once its state file is gone, and leaves it while that exists.
/// </summary>
[TestFixture]
[NonParallelizable]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class PostgresLeftoversTests
{
    [Test]
    [CancelAfter(180000)]
    public async Task Sweep_RemovesTheClusterOfADeletedHome_AndLeavesALiveOne(CancellationToken cancellationToken)
    {
        SandboxTestHome.RequireProcessRuntime();
        Requires.That(PostgresDataPlacement.Probe().Usable, "a tmpfs at /dev/shm with 512 MiB free", "docker run --shm-size=1g, or mount a tmpfs there");
        await using var gone = new SandboxTestHome();
        await using var other = new SandboxTestHome();
        var options = gone.Options("orphan") with { PostgresData = "memory", Detached = true };
        await using var sandbox = await gone.Manager.UpAsync(options, cancellationToken);

        using var state = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(gone.Folder, ".sandbox", "orphan", "sandbox.json"), cancellationToken));
        var folder = state.RootElement.GetProperty("postgresFolder").GetString()!;
        var vaultPid = state.RootElement.GetProperty("vaultPid").GetInt32();
        var postmasterPid = int.Parse(File.ReadLines(Path.Combine(folder, "data", "postmaster.pid")).First(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.Multiple(() =>
        {
            Assert.That(folder, Does.StartWith("/dev/shm/sandbox-pg-orphan-"));
            Assert.That(File.ReadAllText(folder + ".owner").Trim(), Is.EqualTo(Path.Combine(gone.Folder, ".sandbox", "orphan", "sandbox.json")));
        });

        var whileItLives = await other.Manager.SweepAsync(cancellationToken);
        Assert.Multiple(() =>
        {
            Assert.That(whileItLives.Select(s => s.Name), Does.Not.Contain(folder), "a cluster whose state file exists is not a leftover");
            Assert.That(Directory.Exists(folder), Is.True);
        });

        // The home goes without 'down' (rm -rf): its Vault is stopped here, its PostgreSQL is left running.
        System.Diagnostics.Process.GetProcessById(vaultPid).Kill();
        Directory.Delete(Path.Combine(gone.Folder, ".sandbox"), recursive: true);

        var swept = await other.Manager.SweepAsync(cancellationToken);

        var entry = swept.SingleOrDefault(s => s.Name == folder);
        Assert.Multiple(() =>
        {
            Assert.That(entry, Is.Not.Null, "sweep from another home finds the cluster");
            Assert.That(entry?.Removed, Is.True, entry?.Problem);
            Assert.That(entry?.Reason, Does.Contain("sandbox is gone"));
            Assert.That(Directory.Exists(folder), Is.False, "cluster removed");
            Assert.That(File.Exists(folder + ".owner"), Is.False, "owner file removed");
            Assert.That(SandboxSweepTests.IsAlive(postmasterPid), Is.False, "its server stopped");
        });
    }
}
