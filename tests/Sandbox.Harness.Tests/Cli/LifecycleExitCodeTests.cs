using System.Text.Json;
using NUnit.Framework;
using Sandbox.Harness.Guard;
using Sandbox.Harness.Tests.Runtimes;
using Sandbox.Harness.Vault;

// Not "...Tests.Cli": a namespace named Cli would shadow CliWrap's Cli.Wrap in every test of this project.
namespace Sandbox.Harness.Tests.CommandLine;

/// <summary>
/// What a new user meets first: sandboxes are found by their state file (a report folder under
/// <c>.sandbox/</c> is not one), <c>status</c> says with a named exit code what is wrong, <c>down</c>
/// is idempotent, and a name clash has its own exit code.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class LifecycleExitCodeTests() : CliHomeFixture("sandbox-exit-tests-")
{
    [Test]
    [CancelAfter(30000)]
    public async Task FoldersWithoutAStateFile_AreNotSandboxes_ForStatusOrDownAll(CancellationToken cancellationToken)
    {
        // The layout an earlier drill left: its reports under .sandbox/reports, plus any folder a user keeps there.
        var reports = Path.Combine(Home, ".sandbox", "reports", "drill-denylist-20260101-000000");
        Directory.CreateDirectory(reports);
        await File.WriteAllTextAsync(Path.Combine(reports, "summary.json"), "{}", cancellationToken);
        Directory.CreateDirectory(Path.Combine(Home, ".sandbox", "cache"));

        var status = await CliRunner.RunAsync(cancellationToken, "status", "--home", Home);
        var downAll = await CliRunner.RunAsync(cancellationToken, "down", "--all", "--home", Home);

        Assert.Multiple(() =>
        {
            Assert.That(status.ExitCode, Is.EqualTo((int)ExitCode.SandboxNotFound), status.Output + status.Error);
            Assert.That(status.Error, Does.Contain("There is no sandbox").And.Not.Contain("reports"));
            Assert.That(downAll.ExitCode, Is.Zero, downAll.Output + downAll.Error);
            Assert.That(downAll.Output, Does.Contain("Nothing to remove"));
            Assert.That(File.Exists(Path.Combine(reports, "summary.json")), Is.True, "down --all leaves what is not a sandbox alone");
        });
    }

    [Test]
    [CancelAfter(240000)]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task Status_NamesWhatIsWrong_WithItsOwnExitCode_AndDownIsIdempotent(CancellationToken cancellationToken)
    {
        SandboxTestHome.RequireProcessRuntime();
        Directory.CreateDirectory(Path.Combine(Home, ".sandbox", "reports", "drill-denylist-20260101-000000"));

        var up = await CliRunner.RunAsync(cancellationToken, "up", "--runtime", "process", "--no-replay", "--name", "st", "--home", Home, "--json");
        Assert.That(up.ExitCode, Is.Zero, up.Error);
        using var upJson = JsonDocument.Parse(up.Output);
        var address = new Uri(upJson.RootElement.GetProperty("address").GetString()!);
        var keyFile = upJson.RootElement.GetProperty("keyFile").GetString()!;

        var healthy = await CliRunner.RunAsync(cancellationToken, "status", "--home", Home);
        var clash = await CliRunner.RunAsync(cancellationToken, "up", "--runtime", "process", "--no-replay", "--name", "st", "--home", Home);
        Assert.Multiple(() =>
        {
            Assert.That(healthy.ExitCode, Is.Zero, "a bare status finds the one sandbox, not the reports folder: " + healthy.Output + healthy.Error);
            Assert.That(clash.ExitCode, Is.EqualTo((int)ExitCode.SandboxExists), clash.Error);
            Assert.That(clash.Error, Does.Contain("exists already"));
        });

        // A corrupt key file, then a deleted one: exit 8, and the status says which.
        var keyBytes = await File.ReadAllBytesAsync(keyFile, cancellationToken);
        await File.WriteAllBytesAsync(keyFile, keyBytes[..(keyBytes.Length / 2)], cancellationToken);
        var corrupt = await CliRunner.RunAsync(cancellationToken, "status", "--name", "st", "--home", Home, "--json");
        File.Delete(keyFile);
        var missing = await CliRunner.RunAsync(cancellationToken, "status", "--name", "st", "--home", Home);
        await File.WriteAllBytesAsync(keyFile, keyBytes, cancellationToken);
        using (var corruptJson = JsonDocument.Parse(corrupt.Output))
        {
            Assert.Multiple(() =>
            {
                Assert.That(corrupt.ExitCode, Is.EqualTo((int)ExitCode.KeyFileError), corrupt.Output);
                Assert.That(corruptJson.RootElement.GetProperty("keyFileProblem").GetString(), Does.Contain("Truncated"));
                Assert.That(missing.ExitCode, Is.EqualTo((int)ExitCode.KeyFileError), missing.Output);
                Assert.That(missing.Output, Does.Contain("key file is unusable (Missing)"));
            });
        }

        // Sealed although it should be unsealed: exit 7.
        using var audit = GuardAuditLog.InMemory();
        var guard = new SandboxGuard(Denylist.BuiltIn, audit);
        using var http = guard.CreateHttpClient("lifecycle-exit-test");
        var rootToken = (await File.ReadAllTextAsync(upJson.RootElement.GetProperty("rootTokenFile").GetString()!, cancellationToken)).Trim();
        await new VaultClient(address, http).WithToken(rootToken).SealAsync(cancellationToken);
        var sealedStatus = await CliRunner.RunAsync(cancellationToken, "status", "--name", "st", "--home", Home);
        Assert.Multiple(() =>
        {
            Assert.That(sealedStatus.ExitCode, Is.EqualTo((int)ExitCode.VaultSealed), sealedStatus.Output);
            Assert.That(sealedStatus.Output, Does.Contain("Vault is sealed"));
        });

        // Vault killed: exit 16 (not 0), "Vault is not running".
        var stateFile = Path.Combine(Home, ".sandbox", "st", "sandbox.json");
        using (var state = JsonDocument.Parse(await File.ReadAllTextAsync(stateFile, cancellationToken)))
        {
            using var vault = System.Diagnostics.Process.GetProcessById(state.RootElement.GetProperty("vaultPid").GetInt32());
            vault.Kill();
            await vault.WaitForExitAsync(cancellationToken);
        }

        var down = await CliRunner.RunAsync(cancellationToken, "status", "--name", "st", "--home", Home);
        Assert.Multiple(() =>
        {
            Assert.That(down.ExitCode, Is.EqualTo((int)ExitCode.VaultNotRunning), down.Output);
            Assert.That(down.Output, Does.Contain("Vault is not running"));
        });

        var first = await CliRunner.RunAsync(cancellationToken, "down", "--all", "--home", Home);
        var again = await CliRunner.RunAsync(cancellationToken, "down", "--name", "st", "--home", Home);
        Assert.Multiple(() =>
        {
            Assert.That(first.ExitCode, Is.Zero, first.Error);
            Assert.That(first.Output, Does.Contain("Removed: st"));
            Assert.That(again.ExitCode, Is.Zero, again.Error);
            Assert.That(again.Output, Does.Contain("Nothing to remove"));
            Assert.That(Directory.Exists(Path.Combine(Home, ".sandbox", "st")), Is.False);
        });
    }
}
