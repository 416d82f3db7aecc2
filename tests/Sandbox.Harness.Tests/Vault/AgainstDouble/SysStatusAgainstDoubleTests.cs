using System.Net;
using NUnit.Framework;
using Sandbox.Harness.Vault.Models;

namespace Sandbox.Harness.Tests.Vault.AgainstDouble;

/// <summary>
/// sys/init, sys/seal-status, sys/unseal and sys/health as the client parsed them from the
/// double during the environment's bootstrap (uninitialized → init 3/2 → sealed → one share →
/// reset → unsealed from the key file), and health with query overrides afterwards.
/// </summary>
[TestFixture]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class SysStatusAgainstDoubleTests
{
    private static DoubleEnvironment Env => DoubleEnvironment.Current;

    [Test]
    [CancelAfter(5_000)]
    public void BeforeInit_StatusSaysUninitialized_AndHealthIs501(CancellationToken cancellationToken)
    {
        Assert.Multiple(() =>
        {
            Assert.That(Env.InitStatusBefore, Is.False);
            Assert.That(Env.SealStatusBefore.Initialized, Is.False);
            Assert.That(Env.SealStatusBefore.Sealed, Is.True);
            Assert.That(Env.SealStatusBefore.Type, Is.EqualTo("shamir"));
            Assert.That(Env.HealthBefore.StatusCode, Is.EqualTo(HttpStatusCode.NotImplemented));
            Assert.That(Env.HealthBefore.Status!.Initialized, Is.False);
            Assert.That(Env.HealthBefore.Status.Sealed, Is.True);
        });
    }

    [Test]
    [CancelAfter(5_000)]
    public void Init_ReturnsThreeSharesInBothEncodings_AndARootToken(CancellationToken cancellationToken)
    {
        var init = Env.Init;
        Assert.Multiple(() =>
        {
            Assert.That(init.Keys, Has.Count.EqualTo(DoubleEnvironment.Shares));
            Assert.That(init.KeysBase64, Has.Count.EqualTo(DoubleEnvironment.Shares));
            Assert.That(init.Keys.Distinct().Count(), Is.EqualTo(DoubleEnvironment.Shares), "every share differs");
            for (var i = 0; i < init.Keys.Count; i++)
            {
                Assert.That(Convert.FromHexString(init.Keys[i]), Is.EqualTo(Convert.FromBase64String(init.KeysBase64[i])), $"share {i}: hex and base64 are the same bytes");
                Assert.That(Convert.FromBase64String(init.KeysBase64[i]), Has.Length.EqualTo(33), "a Shamir share of a 32-byte key is 33 bytes");
            }

            Assert.That(init.RootToken, Does.StartWith("hvs."));
            Assert.That(init.ToString(), Does.Not.Contain(init.RootToken));
        });
    }

    [Test]
    [CancelAfter(5_000)]
    public void AfterInit_SealedWithThreshold2Of3_AndHealthIs503(CancellationToken cancellationToken)
    {
        var status = Env.SealStatusAfterInit;
        Assert.Multiple(() =>
        {
            Assert.That(Env.InitStatusAfter, Is.True);
            Assert.That(status.Initialized, Is.True);
            Assert.That(status.Sealed, Is.True);
            Assert.That((status.T, status.N, status.Progress), Is.EqualTo((DoubleEnvironment.Threshold, DoubleEnvironment.Shares, 0)));
            Assert.That(status.Version, Does.Contain("sandbox-double"), "the double says what it is");
            Assert.That(status.StorageType, Is.EqualTo("file"));
            Assert.That(status.BuildDate, Is.Not.Null);
            Assert.That(status.Nonce, Is.Empty);
            Assert.That(status.ClusterId, Is.Null, "cluster fields appear only when unsealed");
            Assert.That(Env.HealthSealed.StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable));
            Assert.That(Env.HealthSealed.Status!.Initialized, Is.True);
            Assert.That(Env.HealthSealed.Status.Sealed, Is.True);
        });
    }

    [Test]
    [CancelAfter(5_000)]
    public void Unseal_OneShareShowsProgressAndNonce_ResetClearsIt_KeyFileUnseals(CancellationToken cancellationToken)
    {
        Assert.Multiple(() =>
        {
            Assert.That(Env.AfterFirstShare.Sealed, Is.True);
            Assert.That(Env.AfterFirstShare.Progress, Is.EqualTo(1));
            Assert.That(Env.AfterFirstShare.Nonce, Is.Not.Null.And.Not.Empty);
            Assert.That(Env.AfterReset.Sealed, Is.True);
            Assert.That(Env.AfterReset.Progress, Is.Zero);
            Assert.That(Env.AfterUnseal.Sealed, Is.False);
            Assert.That(Env.AfterUnseal.Progress, Is.Zero);
            Assert.That(Env.AfterUnseal.ClusterName, Is.Not.Null.And.Not.Empty, "an unsealed node reports its cluster");
        });
    }

    [Test]
    [CancelAfter(5_000)]
    public void KeyFile_WrittenByTheStore_HoldsTheInitAnswer_WithMode0600(CancellationToken cancellationToken)
    {
        var keys = Env.KeysReadBack;
        Assert.Multiple(() =>
        {
            Assert.That(keys.UnsealKeysB64, Is.EqualTo(Env.Init.KeysBase64));
            Assert.That(keys.UnsealKeysHex, Is.EqualTo(Env.Init.Keys));
            Assert.That((keys.UnsealShares, keys.UnsealThreshold), Is.EqualTo((DoubleEnvironment.Shares, DoubleEnvironment.Threshold)));
            Assert.That(keys.RootToken, Is.EqualTo(Env.Init.RootToken));
            Assert.That(File.GetUnixFileMode(Env.KeyFile), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite));
        });
    }

    [Test]
    [CancelAfter(15_000)]
    public async Task Health_Unsealed_Is200WithFields_AndHonoursOverrides(CancellationToken cancellationToken)
    {
        var health = await Env.Anonymous.GetHealthAsync(cancellationToken: cancellationToken);
        var overridden = await Env.Anonymous.GetHealthAsync(new HealthQuery { ActiveCode = 299 }, cancellationToken);
        var status = await Env.Anonymous.GetSealStatusAsync(cancellationToken);

        Assert.Multiple(() =>
        {
            Assert.That(health.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(health.IsActive, Is.True);
            Assert.That(health.Status!.Initialized, Is.True);
            Assert.That(health.Status.Sealed, Is.False);
            Assert.That(health.Status.Standby, Is.False);
            Assert.That(health.Status.Version, Is.EqualTo(status.Version));
            Assert.That(health.Status.ClusterId, Is.EqualTo(status.ClusterId).And.Not.Empty);
            Assert.That(health.Status.ClusterName, Is.EqualTo(status.ClusterName).And.Not.Empty);
            Assert.That(health.Status.PerformanceStandby, Is.False);
            Assert.That(health.Status.ServerTimeUtc, Is.EqualTo(DateTimeOffset.UtcNow.ToUnixTimeSeconds()).Within(60));
            Assert.That(overridden.Code, Is.EqualTo(299));
            Assert.That(overridden.IsActive, Is.False);
            Assert.That(overridden.Status!.Sealed, Is.False);
        });
    }

    [Test]
    [CancelAfter(5_000)]
    public void EveryConnection_WentThroughTheGuard_AndTheAuditHoldsNoSecret(CancellationToken cancellationToken)
    {
        var mine = Env.Audit.Entries.Where(e => e.Caller == DoubleEnvironment.Caller).ToList();
        var all = string.Join("\n", Env.Audit.Entries.Select(e => e.Target + " " + e.Rule));
        Assert.Multiple(() =>
        {
            Assert.That(mine, Is.Not.Empty);
            Assert.That(mine.Select(e => e.Allowed), Is.All.True);
            Assert.That(mine.Any(e => e.Target.Contains($"127.0.0.1:{Env.Server.Port}", StringComparison.Ordinal)), Is.True, string.Join("\n", mine.Select(e => e.Target)));
            Assert.That(all, Does.Not.Contain(Env.Init.RootToken));
            Assert.That(all, Does.Not.Contain(Env.Init.KeysBase64[0]));
        });
    }
}
