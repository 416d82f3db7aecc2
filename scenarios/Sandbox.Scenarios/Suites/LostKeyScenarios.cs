using System.Net;
using System.Security.Cryptography;
using System.Text;
using NUnit.Framework;
using Sandbox.Harness;
using Sandbox.Harness.Keys;
using Sandbox.Harness.Reporting;
using Sandbox.Harness.Runtimes;
using Sandbox.Harness.Vault;
using Sandbox.Scenarios.Infrastructure;

namespace Sandbox.Scenarios.Suites;

/// <summary>
/// Lost key: the sandbox key file is deleted and Vault restarts. Nothing but that key unseals it,
/// it cannot be initialized again, and its storage holds no plaintext. Without a backup the only
/// way back is wipe, re-init and replay: every name returns, every value is gone. With a backup
/// copy of the key file, recovery is complete (vault-api.md §1.2, §2, §3, Appendix B.4).
/// Each scenario destroys its sandbox's key, so each gets a fresh sandbox.
/// </summary>
[TestFixture]
[Category("LostKey")]
[NonParallelizable]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class LostKeyScenarios : ScenarioSuite
{
    protected override string SuiteName => "lost-key";

    protected override bool SharesSandbox => false;

    [Test]
    [CancelAfter(150_000)]
    public async Task Without_a_backup_only_wipe_reinit_and_replay_bring_back_the_names_and_every_value_is_gone(CancellationToken cancellationToken)
    {
        var sandbox = await FreshSandboxAsync(cancellationToken);
        await using var app = await AppWorld.PrepareAsync(sandbox, cancellationToken);
        var oldCreds = await app.IssueAsync(null, cancellationToken);
        Assert.That(await app.TryLoginAsync(oldCreds, cancellationToken), Is.Null);
        var namesBefore = await VaultNames.ReadAsync(sandbox.Root, cancellationToken);
        Timeline.EnterPhase(ScenarioPhase.SteadyState);
        await AssertSteadyStateAsync(sandbox, cancellationToken);
        Timeline.Asserted($"steady state with {namesBefore.Count} names; a database lease is out");

        await LoseTheKeyAsync(sandbox, cancellationToken);
        await AssertNothingElseUnsealsAsync(sandbox, cancellationToken);
        await AssertNoPlaintextInStorageAsync(sandbox, app.SecretValue, cancellationToken);

        // The only way back without the key.
        Timeline.EnterPhase(ScenarioPhase.Recovery);
        Timeline.Recover("wipe Vault's storage, initialize a new Vault, replay the names");
        await sandbox.WipeVaultStorageAsync(kill: false, cancellationToken);
        Assert.That(await sandbox.Unauthenticated.GetInitStatusAsync(cancellationToken), Is.False, "after the wipe Vault is uninitialized");
        await sandbox.InitializeAsync(cancellationToken: cancellationToken);
        Timeline.Mark("unsealed");
        Timeline.Measure(TimingNames.TimeSealed, "fault", "unsealed");
        await using var replayed = await AppWorld.PrepareAsync(sandbox, cancellationToken, writeSecret: false);
        Timeline.Mark("names-back");
        Timeline.Measure("time_to_names_back", "fault", "names-back");
        var namesAfter = await VaultNames.ReadAsync(sandbox.Root, cancellationToken);

        var secret = await sandbox.Root.KvV2ReadAsync(AppWorld.KvMount, AppWorld.SecretPath, cancellationToken: cancellationToken);
        var lookup = Assert.ThrowsAsync<VaultApiException>(() => sandbox.Root.LookupLeaseAsync(oldCreds.LeaseId, cancellationToken))!;
        Assert.Multiple(async () =>
        {
            Assert.That(namesAfter, Is.EquivalentTo(namesBefore), "every name is back");
            Assert.That(secret?.Data?.ContainsKey("API_KEY"), Is.False, "the operator's secret value is gone: replay restores names and topology seeds, never values");
            Assert.That(secret?.Data?["LOG_LEVEL"]?.GetValue<string>(), Is.EqualTo("info"), "the secret's path is back with the topology's non-secret seed");
            Assert.That(secret?.Metadata?.Version, Is.EqualTo(1), "the secret's history starts again at version 1");
            Assert.That(lookup.HasError("invalid lease"), Is.True, "the old lease is unknown to the new Vault: " + lookup.Message);
            Assert.That(await app.RoleExistsAsync(oldCreds.Username, cancellationToken), Is.True,
                "the new Vault never drops the PostgreSQL role the old one issued: it must be cleaned by hand");
        });
        Timeline.Asserted($"{namesAfter.Count} names back; the secret value, its history and the old lease are gone; the old PostgreSQL role is orphaned");

        var fresh = await replayed.IssueAsync(null, cancellationToken);
        Timeline.Mark("first-credential");
        Assert.That(await replayed.TryLoginAsync(fresh, cancellationToken), Is.Null, "new credentials log in");
        Timeline.Measure(TimingNames.TimeToFirstCredential, "unsealed", "first-credential");
        Timeline.EnterPhase(ScenarioPhase.SteadyState);
        await AssertSteadyStateAsync(sandbox, cancellationToken);
    }

    [Test]
    [CancelAfter(150_000)]
    public async Task With_a_backup_copy_of_the_key_file_recovery_is_complete(CancellationToken cancellationToken)
    {
        var sandbox = await FreshSandboxAsync(cancellationToken);
        await using var app = await AppWorld.PrepareAsync(sandbox, cancellationToken);
        var oldCreds = await app.IssueAsync(null, cancellationToken);
        var namesBefore = await VaultNames.ReadAsync(sandbox.Root, cancellationToken);
        var backup = Path.Combine(Env.Home, sandbox.Name + "-cluster-keys.backup.json");
        sandbox.Guard.EnsureFileAllowed(sandbox.KeyFile, "scenario");
        sandbox.Guard.EnsureFileAllowed(backup, "scenario");
        File.Copy(sandbox.KeyFile, backup);
        File.SetUnixFileMode(backup, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        Timeline.Step("an operator kept a backup copy of the key file");
        Timeline.EnterPhase(ScenarioPhase.SteadyState);
        await AssertSteadyStateAsync(sandbox, cancellationToken);

        try
        {
            await LoseTheKeyAsync(sandbox, cancellationToken);

            Timeline.EnterPhase(ScenarioPhase.Recovery);
            Timeline.Recover("restore the key file from the backup copy and unseal");
            sandbox.Guard.EnsureFileAllowed(backup, "scenario");
            File.Copy(backup, sandbox.KeyFile);
            File.SetUnixFileMode(sandbox.KeyFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            Timeline.Mark("unseal-start");
            var status = await sandbox.UnsealFromKeyFileAsync(cancellationToken);
            Assert.That(status.Sealed, Is.False, "the backup key unseals");
            Timeline.Mark("unsealed");
            Timeline.Measure(TimingNames.TimeToUnseal, "unseal-start", "unsealed");
            Timeline.Measure(TimingNames.TimeSealed, "fault", "unsealed");
        }
        finally
        {
            File.Delete(backup);
        }

        var secret = await sandbox.Root.KvV2ReadAsync(AppWorld.KvMount, AppWorld.SecretPath, cancellationToken: cancellationToken);
        var lease = await sandbox.Root.LookupLeaseAsync(oldCreds.LeaseId, cancellationToken);
        var fresh = await app.IssueAsync(null, cancellationToken);
        Assert.That(await app.TryLoginAsync(fresh, cancellationToken), Is.Null, "new credentials log in");
        Timeline.Mark("first-credential");
        Timeline.Measure(TimingNames.TimeToFirstCredential, "unsealed", "first-credential");
        var namesAfter = await VaultNames.ReadAsync(sandbox.Root, cancellationToken);
        Assert.Multiple(() =>
        {
            Assert.That(secret?.Data?["API_KEY"]?.GetValue<string>(), Is.EqualTo(app.SecretValue), "the secret value survived");
            Assert.That(lease.Id, Is.EqualTo(oldCreds.LeaseId), "the old lease is still tracked");
            Assert.That(namesAfter, Is.EquivalentTo(namesBefore), "every name is there");
        });
        Timeline.Asserted("complete recovery: values, lease, names");
        Timeline.EnterPhase(ScenarioPhase.SteadyState);
        await AssertSteadyStateAsync(sandbox, cancellationToken);
    }

    private async Task LoseTheKeyAsync(SandboxHandle sandbox, CancellationToken cancellationToken)
    {
        Timeline.EnterPhase(ScenarioPhase.Fault);
        Timeline.Fault("delete the sandbox key file, then restart Vault");
        Timeline.Mark("fault");
        sandbox.DeleteKeyFile();
        await RestartVaultAsync(sandbox, kill: false, cancellationToken);
        Timeline.EnterPhase(ScenarioPhase.Sealed);

        var e = Assert.ThrowsAsync<KeyFileException>(() => sandbox.UnsealFromKeyFileAsync(cancellationToken))!;
        Assert.Multiple(() =>
        {
            Assert.That(e.Problem, Is.EqualTo(KeyFileProblem.Missing), "the key store says the file is missing");
            Assert.That(e.ExitCode, Is.EqualTo(ExitCode.KeyFileError), "with the key-file exit code");
            Assert.That((int)e.ExitCode, Is.EqualTo(8));
            Assert.That(e.Message, Does.Contain(sandbox.KeyFile), "the message names the file");
        });
        Timeline.Observe($"the harness's unseal fails: key file missing (exit code {(int)e.ExitCode})");

        var status = await sandbox.Unauthenticated.GetSealStatusAsync(cancellationToken);
        Assert.That(status is { Initialized: true, Sealed: true }, Is.True, "Vault is initialized and sealed");
    }

    private async Task AssertNothingElseUnsealsAsync(SandboxHandle sandbox, CancellationToken cancellationToken)
    {
        var others = new[]
        {
            Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
            Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32)),
            Convert.ToBase64String(RandomNumberGenerator.GetBytes(33)),
        };
        foreach (var key in others)
        {
            var e = Assert.ThrowsAsync<VaultApiException>(() => sandbox.Unauthenticated.UnsealAsync(key, cancellationToken))!;
            Assert.That(e.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest), e.Message);
            Assert.That(e.HasError("invalid key"), Is.True, e.Message);
        }

        Assert.That((await sandbox.Unauthenticated.GetSealStatusAsync(cancellationToken)).Sealed, Is.True);
        Timeline.Observe($"{others.Length} other keys tried: each 400 invalid key, still sealed");

        var init = Assert.ThrowsAsync<VaultApiException>(() => sandbox.Unauthenticated.InitAsync(1, 1, cancellationToken))!;
        Assert.That(init.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(init.HasError("Vault is already initialized"), Is.True, init.Message);
        Timeline.Observe("sys/init refused: 400 Vault is already initialized");
    }

    private async Task AssertNoPlaintextInStorageAsync(SandboxHandle sandbox, string secretValue, CancellationToken cancellationToken)
    {
        // Through the runtime (docker cp out of the container, kubectl cp out of the pod, a copy of
        // the process runtime's folder): what the storage backend wrote, wherever it lives.
        var storage = Path.Combine(Env.Home, sandbox.Name + "-storage-copy");
        await sandbox.CopyVaultStorageAsync(storage, cancellationToken);
        try
        {
            var files = Directory.GetFiles(storage, "*", SearchOption.AllDirectories);
            Assert.That(files, Is.Not.Empty, $"Vault's storage, copied through the {sandbox.Runtime.ToString().ToLowerInvariant()} runtime, holds files");
            var needles = new[]
            {
                Encoding.UTF8.GetBytes(secretValue),
                Encoding.UTF8.GetBytes(Convert.ToBase64String(Encoding.UTF8.GetBytes(secretValue))),
                Encoding.Unicode.GetBytes(secretValue),
            };
            long bytes = 0;
            foreach (var file in files)
            {
                var content = await sandbox.Guard.ReadAllBytesAsync(file, "scenario", cancellationToken);
                bytes += content.Length;
                foreach (var needle in needles)
                {
                    Assert.That(content.AsSpan().IndexOf(needle), Is.EqualTo(-1), $"the secret's plaintext appears in {Path.GetRelativePath(storage, file)}");
                }
            }

            Timeline.Observe($"the secret's plaintext is in none of the {files.Length} storage files ({bytes} bytes)");
        }
        finally
        {
            Directory.Delete(storage, recursive: true);
        }
    }
}
