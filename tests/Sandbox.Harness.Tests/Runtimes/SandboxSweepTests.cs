using System.Text.Json;
using NUnit.Framework;
using Sandbox.Harness.Runtimes;

namespace Sandbox.Harness.Tests.Runtimes;

/// <summary>A run abandoned at each step of up (as kill -9 would leave it) is found and removed by sweep.</summary>
[TestFixture]
[NonParallelizable]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class SandboxSweepTests
{
    [SetUp]
    public void SetUp() => SandboxTestHome.RequireProcessRuntime();

    [TestCase(UpStep.Preflight)]
    [TestCase(UpStep.CreateRunFolder)]
    [TestCase(UpStep.StartPostgres)]
    [TestCase(UpStep.StartVault)]
    [TestCase(UpStep.Initialize)]
    [TestCase(UpStep.WriteKeys)]
    [TestCase(UpStep.Unseal)]
    [TestCase(UpStep.Prepare)]
    [TestCase(UpStep.Ready)]
    [CancelAfter(180000)]
    // UpStep is internal to the library and a test method is public: it arrives as object.
    public async Task Sweep_AfterUpIsAbandonedAtStep_RemovesItsProcessesPortsAndFolder(object abandonedAt, CancellationToken cancellationToken)
    {
        var step = (UpStep)abandonedAt;
        await using var home = new SandboxTestHome();
        var name = "crash-" + step.ToString().ToLowerInvariant();
        var options = home.Options(name) with
        {
            StepHook = (s, _) => s == step ? throw new SimulatedCrashException(s) : Task.CompletedTask,
            Prepare = (_, _) => Task.CompletedTask,
        };

        Assert.ThrowsAsync<SimulatedCrashException>(() => home.Manager.UpAsync(options, cancellationToken));

        var stateFile = Path.Combine(home.Folder, ".sandbox", name, "sandbox.json");
        int? vaultPid = null, vaultPort = null, pgPort = null, postmasterPid = null;
        string? pgFolder = null;
        if (File.Exists(stateFile))
        {
            using var doc = JsonDocument.Parse(await File.ReadAllTextAsync(stateFile, cancellationToken));
            var root = doc.RootElement;
            vaultPid = Int(root, "vaultPid");
            vaultPort = Int(root, "vaultPort");
            pgPort = Int(root, "postgresPort");
            // The cluster may live outside the run folder (in /dev/shm by default): the state names it.
            pgFolder = root.TryGetProperty("postgresFolder", out var folder) && folder.ValueKind == JsonValueKind.String ? folder.GetString() : null;
            var pidFile = pgFolder is null ? null : Path.Combine(pgFolder, "data", "postmaster.pid");
            if (pidFile is not null && File.Exists(pidFile))
            {
                postmasterPid = int.Parse(File.ReadLines(pidFile).First(), System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        if (step >= UpStep.Initialize)
        {
            Assert.That(postmasterPid, Is.Not.Null, $"the state named the cluster folder ({pgFolder}) and its postmaster.pid before the crash");
        }

        if (step >= UpStep.Initialize)
        {
            Assert.That(vaultPid, Is.Not.Null, "the state recorded Vault's pid before the crash");
            Assert.That(IsAlive(vaultPid!.Value), Is.True, "the abandoned Vault still runs before the sweep");
        }

        var swept = await home.Manager.SweepAsync(cancellationToken);

        Assert.Multiple(() =>
        {
            if (step >= UpStep.StartPostgres)
            {
                Assert.That(swept.Select(s => s.Name), Is.EquivalentTo(new[] { name }));
                Assert.That(swept.All(s => s.Removed), Is.True, string.Join("; ", swept.Select(s => s.Problem)));
            }

            Assert.That(Directory.Exists(Path.Combine(home.Folder, ".sandbox", name)), Is.False, "run folder removed");
            Assert.That(pgFolder is null || !Directory.Exists(pgFolder), Is.True, $"PostgreSQL's folder removed ({pgFolder})");
            Assert.That(vaultPid is null || !IsAlive(vaultPid.Value), Is.True, "Vault process stopped");
            Assert.That(postmasterPid is null || !IsAlive(postmasterPid.Value), Is.True, "PostgreSQL stopped");
            Assert.That(vaultPort is null || !ProcessRuntimeEndToEndTests.IsListening(vaultPort.Value), Is.True, "Vault port closed");
            Assert.That(pgPort is null || !ProcessRuntimeEndToEndTests.IsListening(pgPort.Value), Is.True, "PostgreSQL port closed");
        });
    }

    [Test]
    [CancelAfter(180000)]
    public async Task Sweep_LeavesALiveInProcessSandboxAndADetachedReadyOneAlone(CancellationToken cancellationToken)
    {
        await using var home = new SandboxTestHome();
        await using var live = await home.Manager.UpAsync(home.Options("live-one"), cancellationToken);
        var detached = await home.Manager.UpAsync(home.Options("detached-one") with { Detached = true }, cancellationToken);
        await detached.DisposeAsync(); // releases the handle only

        var swept = await home.Manager.SweepAsync(cancellationToken);

        Assert.Multiple(async () =>
        {
            Assert.That(swept, Is.Empty);
            Assert.That((await home.Manager.StatusAsync("live-one", cancellationToken)).Sealed, Is.False);
            Assert.That((await home.Manager.StatusAsync("detached-one", cancellationToken)).Sealed, Is.False);
        });
    }

    [Test]
    [CancelAfter(180000)]
    public async Task Sweep_RemovesASandboxWhoseOwnerProcessIsGone(CancellationToken cancellationToken)
    {
        await using var home = new SandboxTestHome();
        var sbx = await home.Manager.UpAsync(home.Options("orphan") with { Detached = true }, cancellationToken);
        await sbx.DisposeAsync();

        // Make it look owned by a process that has exited (a test run killed with -9).
        var file = Path.Combine(home.Folder, ".sandbox", "orphan", "sandbox.json");
        var json = System.Text.Json.Nodes.JsonNode.Parse(await File.ReadAllTextAsync(file, cancellationToken))!;
        using (var gone = System.Diagnostics.Process.Start("true")!)
        {
            await gone.WaitForExitAsync(cancellationToken);
            json["ownerPid"] = gone.Id;
        }

        await File.WriteAllTextAsync(file, json.ToJsonString(), cancellationToken);

        var swept = await home.Manager.SweepAsync(cancellationToken);

        Assert.That(swept.Single().Reason, Does.Contain("owner process"));
        Assert.That(home.Manager.List(), Is.Empty);
    }

    private static int? Int(JsonElement root, string name) =>
        root.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetInt32() : null;

    /// <summary>Alive unless gone or a zombie (its parent may not have reaped it yet).</summary>
    internal static bool IsAlive(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return !stat[(stat.LastIndexOf(')') + 1)..].TrimStart().StartsWith('Z');
        }
        catch (IOException)
        {
            return false;
        }
    }
}
