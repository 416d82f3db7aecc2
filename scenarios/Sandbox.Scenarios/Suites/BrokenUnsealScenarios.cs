using System.Net;
using System.Security.Cryptography;
using NUnit.Framework;
using Sandbox.Harness;
using Sandbox.Harness.Guard;
using Sandbox.Harness.Keys;
using Sandbox.Harness.Reporting;
using Sandbox.Harness.Runtimes;
using Sandbox.Harness.Vault;
using Sandbox.Scenarios.Infrastructure;

namespace Sandbox.Scenarios.Suites;

/// <summary>
/// Broken unseal: every wrong way to unseal leaves Vault sealed with a precise error, and the
/// right key still works afterwards. Asserts status codes and substrings that real Vault gives
/// too (vault-api.md §1.4, Appendix B.5).
/// </summary>
[TestFixture]
[Category("BrokenUnseal")]
[NonParallelizable]
public sealed class BrokenUnsealScenarios : ScenarioSuite
{
    private const int Timeout = 120_000;

    protected override string SuiteName => "broken-unseal";

    [Test]
    [CancelAfter(Timeout)]
    public async Task Wrong_key_of_the_right_length_stays_sealed(CancellationToken cancellationToken)
    {
        await SealAsync(Sandbox, cancellationToken);

        Timeline.Fault("unseal with 32 random bytes (right length, wrong key)");
        var e = await UnsealFailsAsync(Sandbox, Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)), cancellationToken);
        Assert.That(e.HasError("invalid key"), Is.True, e.Message);
        await AssertStillSealedAsync(Sandbox, expectedProgress: 0, cancellationToken);

        await RecoverAsync(Sandbox, cancellationToken);
    }

    [Test]
    [CancelAfter(Timeout)]
    public async Task Malformed_keys_are_refused_before_they_count(CancellationToken cancellationToken)
    {
        await SealAsync(Sandbox, cancellationToken);

        Timeline.Fault("unseal with text that is neither hex nor base64");
        var notEncoded = await UnsealFailsAsync(Sandbox, "this is not a key!", cancellationToken);
        Assert.That(notEncoded.HasError("must be a valid hex or base64 string"), Is.True, notEncoded.Message);

        Timeline.Fault("unseal with an 8-byte key");
        var tooShort = await UnsealFailsAsync(Sandbox, Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8)), cancellationToken);
        Assert.That(tooShort.HasError("shorter than minimum 16 bytes"), Is.True, tooShort.Message);

        Timeline.Fault("unseal with a 40-byte key");
        var tooLong = await UnsealFailsAsync(Sandbox, Convert.ToBase64String(RandomNumberGenerator.GetBytes(40)), cancellationToken);
        Assert.That(tooLong.HasError("longer than maximum 33 bytes"), Is.True, tooLong.Message);

        Timeline.Fault("unseal with an empty key");
        var empty = await UnsealFailsAsync(Sandbox, string.Empty, cancellationToken);
        Assert.That(empty.HasError("'key' must be specified"), Is.True, empty.Message);

        await AssertStillSealedAsync(Sandbox, expectedProgress: 0, cancellationToken);
        await RecoverAsync(Sandbox, cancellationToken);
    }

    [Test]
    [CancelAfter(Timeout)]
    public async Task Another_sandboxes_key_stays_sealed(CancellationToken cancellationToken)
    {
        var other = await FreshSandboxAsync(cancellationToken);
        var otherKeys = await other.KeyStore.ReadAsync(other.KeyFile, cancellationToken);
        await SealAsync(Sandbox, cancellationToken);

        Timeline.Fault($"unseal with the key of another sandbox ({other.Name})");
        var e = await UnsealFailsAsync(Sandbox, otherKeys.UnsealKeysB64[0], cancellationToken);
        Assert.That(e.HasError("invalid key"), Is.True, e.Message);
        await AssertStillSealedAsync(Sandbox, expectedProgress: 0, cancellationToken);

        await RecoverAsync(Sandbox, cancellationToken);
        await AssertSteadyStateAsync(other, cancellationToken);
    }

    [Test]
    [CancelAfter(Timeout)]
    public async Task Truncated_or_corrupt_key_file_is_a_key_store_error_and_stays_sealed(CancellationToken cancellationToken)
    {
        // Read through the guard; the writes below go to the same, allowed, path.
        var backup = await Sandbox.Guard.ReadAllBytesAsync(Sandbox.KeyFile, "scenario", cancellationToken);
        await SealAsync(Sandbox, cancellationToken);
        try
        {
            Timeline.Fault("truncate the key file to half its length");
            await Sandbox.CorruptKeyFileAsync(cancellationToken);
            var truncated = Assert.ThrowsAsync<KeyFileException>(() => Sandbox.UnsealFromKeyFileAsync(cancellationToken))!;
            Assert.Multiple(() =>
            {
                Assert.That(truncated.Problem, Is.AnyOf(KeyFileProblem.Truncated, KeyFileProblem.NotJson));
                Assert.That(truncated.ExitCode, Is.EqualTo(ExitCode.KeyFileError));
                Assert.That(truncated.Message, Does.Contain(Sandbox.KeyFile), "the error names the file");
            });
            Timeline.Observe($"key store refused the truncated file: {truncated.Problem}");

            Timeline.Fault("overwrite the key file with random bytes");
            await File.WriteAllBytesAsync(Sandbox.KeyFile, RandomNumberGenerator.GetBytes(200), cancellationToken);
            var garbage = Assert.ThrowsAsync<KeyFileException>(() => Sandbox.UnsealFromKeyFileAsync(cancellationToken))!;
            Assert.That(garbage.Problem, Is.EqualTo(KeyFileProblem.NotJson));
            Timeline.Observe($"key store refused the garbage file: {garbage.Problem}");

            Timeline.Fault("damage one character of the base64 key inside otherwise valid JSON");
            var text = System.Text.Encoding.UTF8.GetString(backup);
            var damaged = DamageFirstB64Key(text);
            await File.WriteAllTextAsync(Sandbox.KeyFile, damaged, cancellationToken);
            var mismatch = Assert.ThrowsAsync<KeyFileException>(() => Sandbox.UnsealFromKeyFileAsync(cancellationToken))!;
            Assert.That(mismatch.Problem, Is.AnyOf(KeyFileProblem.Mismatch, KeyFileProblem.WrongEncoding, KeyFileProblem.WrongLength));
            Timeline.Observe($"key store refused the damaged key: {mismatch.Problem}");

            await AssertStillSealedAsync(Sandbox, expectedProgress: 0, cancellationToken);
        }
        finally
        {
            await File.WriteAllBytesAsync(Sandbox.KeyFile, backup, CancellationToken.None);
        }

        Timeline.Recover("restore the key file from the copy taken before the fault");
        await RecoverAsync(Sandbox, cancellationToken);
    }

    [Test]
    [CancelAfter(Timeout)]
    public async Task Reset_midway_discards_the_progress(CancellationToken cancellationToken)
    {
        var sandbox = await FreshSandboxAsync(cancellationToken, shares: 3, threshold: 2);
        var keys = await sandbox.KeyStore.ReadAsync(sandbox.KeyFile, cancellationToken);
        await SealAsync(sandbox, cancellationToken);

        var first = await sandbox.Unauthenticated.UnsealAsync(keys.UnsealKeysB64[0], cancellationToken);
        Assert.That(first is { Sealed: true, Progress: 1, T: 2, N: 3 }, Is.True, $"one share of two: progress 1 (was {first.Progress})");
        Assert.That(first.Nonce, Is.Not.Empty, "an unseal attempt has a nonce");
        Timeline.Observe("one share of two submitted: progress 1");

        Timeline.Fault("reset the unseal attempt midway");
        var reset = await sandbox.Unauthenticated.ResetUnsealAsync(cancellationToken);
        Assert.That(reset is { Sealed: true, Progress: 0 }, Is.True, "reset: progress back to 0, still sealed");
        Assert.That(reset.Nonce ?? string.Empty, Is.Empty, "reset clears the nonce");

        var again = await sandbox.Unauthenticated.UnsealAsync(keys.UnsealKeysB64[1], cancellationToken);
        Assert.That(again is { Sealed: true, Progress: 1 }, Is.True, "after the reset one share is again only one share: the earlier one no longer counts");
        Timeline.Observe("after reset, a second share alone does not unseal (progress 1)");

        var unsealed = await sandbox.Unauthenticated.UnsealWithAsync(keys, cancellationToken);
        Assert.That(unsealed.Sealed, Is.False, "two fresh shares unseal");
        var e = Assert.ThrowsAsync<VaultApiException>(() => sandbox.Unauthenticated.ResetUnsealAsync(cancellationToken))!;
        Assert.That((int)e.StatusCode, Is.EqualTo(400));
        Assert.That(e.HasError("vault is unsealed"), Is.True, "reset on an unsealed Vault is refused: " + e.Message);
        Timeline.Recover("unsealed with two shares after the reset; a reset now is refused (400 vault is unsealed)");
        await AssertSteadyStateAsync(sandbox, cancellationToken);
    }

    [Test]
    [CancelAfter(Timeout)]
    public async Task Two_unseals_at_once_leave_it_sealed_with_precise_errors(CancellationToken cancellationToken)
    {
        var sandbox = await FreshSandboxAsync(cancellationToken, shares: 3, threshold: 2);
        var keys = await sandbox.KeyStore.ReadAsync(sandbox.KeyFile, cancellationToken);
        await SealAsync(sandbox, cancellationToken);

        Timeline.Fault("two operators submit the same share at the same moment");
        var same = await Task.WhenAll(
            sandbox.Unauthenticated.UnsealAsync(keys.UnsealKeysB64[0], cancellationToken),
            sandbox.Unauthenticated.UnsealAsync(keys.UnsealKeysHex[0], cancellationToken));
        Assert.That(same.All(s => s.Sealed), Is.True, "the same share twice never reaches the threshold");
        var afterSame = await SealStatusAsync(sandbox, cancellationToken);
        Assert.That(afterSame is { Sealed: true, Progress: 1 }, Is.True, $"the duplicate share is not counted (progress {afterSame.Progress})");
        Timeline.Observe("same share twice at once: still sealed, progress 1");

        await sandbox.Unauthenticated.ResetUnsealAsync(cancellationToken);
        Timeline.Step("reset: a new attempt starts at progress 0");
        Timeline.Fault("one operator submits a right share while another submits a wrong one, at once");
        var wrong = Convert.ToBase64String(RandomNumberGenerator.GetBytes(33));
        var right = sandbox.Unauthenticated.UnsealAsync(keys.UnsealKeysB64[1], cancellationToken);
        var bad = sandbox.Unauthenticated.UnsealAsync(wrong, cancellationToken);
        var outcomes = await Task.WhenAll(Outcome(right), Outcome(bad));
        var failures = outcomes.OfType<VaultApiException>().ToList();
        Assert.That(failures, Has.Count.EqualTo(1), "whichever arrives second reaches the threshold with a bad part, and that attempt fails");
        Assert.Multiple(() =>
        {
            foreach (var failure in failures)
            {
                Assert.That((int)failure.StatusCode, Is.EqualTo(400), failure.Message);
                Assert.That(failure.HasError("invalid key"), Is.True, failure.Message);
            }
        });
        await AssertStillSealedAsync(sandbox, expectedProgress: 0, cancellationToken);

        Timeline.Recover("unseal again, one operator, two right shares");
        var status = await sandbox.Unauthenticated.UnsealWithAsync(keys, cancellationToken);
        Assert.That(status.Sealed, Is.False);
        await AssertSteadyStateAsync(sandbox, cancellationToken);

        static async Task<object> Outcome(Task<Sandbox.Harness.Vault.Models.SealStatus> call)
        {
            try
            {
                return await call;
            }
            catch (VaultApiException e)
            {
                return e;
            }
        }
    }

    [Test]
    [CancelAfter(Timeout)]
    public async Task Production_key_path_is_blocked_by_the_guard_and_never_opened(CancellationToken cancellationToken)
    {
        var production = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".arcodange", "cluster-keys.json");
        var spellings = new[]
        {
            "~/.arcodange/cluster-keys.json",
            production,
            production.Replace("/.arcodange/", "/.arcodange/./", StringComparison.Ordinal),
            production.Replace("cluster-keys.json", "CLUSTER-KEYS.JSON", StringComparison.Ordinal),
        };

        var link = Path.Combine(Env.Home, "innocent-keys.json");
        File.CreateSymbolicLink(link, production);
        try
        {
            foreach (var path in spellings.Append(link))
            {
                Timeline.Fault($"read the unseal key from {path}");
                var before = Env.Guard.Audit.Count;
                var e = Assert.ThrowsAsync<GuardBlockedException>(() => Sandbox.KeyStore.ReadAsync(path, cancellationToken),
                    $"{path}: the guard must refuse before any file-system call (a KeyFileException 'Missing' would mean the file was looked for)")!;
                Assert.That(e.ExitCode, Is.EqualTo(ExitCode.GuardBlocked));
                var decisions = Env.Guard.Audit.Entries.Skip((int)Math.Min(before, int.MaxValue)).Where(d => !d.Allowed).ToList();
                Assert.That(decisions, Is.Not.Empty, $"{path}: the audit log has the blocked decision");
                Assert.That(decisions.Any(d => d.Rule.StartsWith("files:", StringComparison.Ordinal)), Is.True, $"{path}: decided by a files: rule ({string.Join(", ", decisions.Select(d => d.Rule))})");
                Timeline.Observe($"guard blocked it ({decisions[^1].Rule})");
            }
        }
        finally
        {
            File.Delete(link);
        }

        await AssertSteadyStateAsync(Sandbox, cancellationToken);
    }

    private static string DamageFirstB64Key(string json)
    {
        var marker = "\"unseal_keys_b64\"";
        var at = json.IndexOf(marker, StringComparison.Ordinal);
        var quote = json.IndexOf('"', json.IndexOf('[', at) + 1);
        var index = quote + 5;
        var c = json[index];
        var replacement = c == 'A' ? 'B' : 'A';
        return string.Concat(json.AsSpan(0, index), replacement.ToString(), json.AsSpan(index + 1));
    }

    private async Task SealAsync(SandboxHandle sandbox, CancellationToken cancellationToken)
    {
        await AssertSteadyStateAsync(sandbox, cancellationToken);
        Timeline.EnterPhase(ScenarioPhase.Fault);
        await sandbox.SealAsync(cancellationToken);
        Timeline.Mark("sealed");
        Timeline.EnterPhase(ScenarioPhase.Sealed);
        Timeline.Observe("sealed through sys/seal");
    }

    private async Task<VaultApiException> UnsealFailsAsync(SandboxHandle sandbox, string key, CancellationToken cancellationToken)
    {
        var e = Assert.ThrowsAsync<VaultApiException>(() => sandbox.Unauthenticated.UnsealAsync(key, cancellationToken))!;
        Assert.That((int)e.StatusCode, Is.EqualTo(400), e.Message);
        Timeline.Observe($"sys/unseal answered {(int)e.StatusCode}: {(e.Errors.Count > 0 ? e.Errors[0] : "(no error text)")}");
        return e;
    }

    private async Task AssertStillSealedAsync(SandboxHandle sandbox, int expectedProgress, CancellationToken cancellationToken)
    {
        var status = await SealStatusAsync(sandbox, cancellationToken);
        var health = await sandbox.Unauthenticated.GetHealthAsync(cancellationToken: cancellationToken);
        Assert.Multiple(() =>
        {
            Assert.That(status.Sealed, Is.True, "still sealed");
            Assert.That(status.Progress, Is.EqualTo(expectedProgress), "unseal progress");
            Assert.That(health.StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable), "sys/health 503 while sealed");
        });
        Timeline.Asserted($"still sealed, progress {status.Progress}, health 503");
    }

    private async Task RecoverAsync(SandboxHandle sandbox, CancellationToken cancellationToken)
    {
        Timeline.EnterPhase(ScenarioPhase.Recovery);
        Timeline.Mark("unseal-start");
        var status = await sandbox.UnsealFromKeyFileAsync(cancellationToken);
        Assert.That(status.Sealed, Is.False, "the right key still unseals");
        Timeline.Mark("unsealed");
        Timeline.Measure(TimingNames.TimeToUnseal, "unseal-start", "unsealed");
        Timeline.Measure(TimingNames.TimeSealed, "sealed", "unsealed");
        Timeline.Recover("unsealed with the sandbox key");
        Timeline.EnterPhase(ScenarioPhase.SteadyState);
        await AssertSteadyStateAsync(sandbox, cancellationToken);
    }
}
