using Sandbox.VaultDouble.Core;
using Sandbox.VaultDouble.Leases;

namespace Sandbox.VaultDouble.Tests.Core;

/// <summary>
/// The lease arithmetic the double shares with Vault: <c>framework.CalculateTTL</c> works in whole
/// seconds (sdk/framework/lease.go) and the revocation backoff is <c>revokeExponentialBackoff</c>
/// (vault/expiration.go). Fixed clocks, no waiting.
/// </summary>
[TestFixture, CancelAfter(10_000)]
public sealed class LeaseArithmeticTests
{
    private static readonly DateTimeOffset Second = new(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);

    [Test]
    public void CappedRenewal_InTheSameSecondAsIssue_GetsTheWholeMaxTtl_SoTheLeaseOutlivesIssuePlusMaxTtl()
    {
        var issue = Second.AddMilliseconds(100);
        var now = Second.AddMilliseconds(900);

        var (ttl, warning) = ExpirationManager.CalculateRenewTtl(TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(8), issue, now);

        Assert.That(ttl, Is.EqualTo(TimeSpan.FromSeconds(8)), "trunc(issue) + 8 s − trunc(now) = 8 s");
        Assert.That(now + ttl - issue, Is.EqualTo(TimeSpan.FromMilliseconds(8800)), "expire − issue is max_ttl + 0.8 s: past the old 8.5 s bound, within max_ttl + 1 s");
        Assert.That(warning, Is.EqualTo("TTL of \"1m\" exceeded the effective max_ttl of \"8s\"; TTL value is capped accordingly"));
    }

    [Test]
    public void CappedRenewal_AcrossASecondBoundary_LosesTheFraction()
    {
        var issue = Second.AddMilliseconds(900);
        var now = Second.AddSeconds(1).AddMilliseconds(100);

        var (ttl, _) = ExpirationManager.CalculateRenewTtl(TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(8), issue, now);

        Assert.That(ttl, Is.EqualTo(TimeSpan.FromSeconds(7)));
        Assert.That(now + ttl - issue, Is.EqualTo(TimeSpan.FromMilliseconds(7200)));
    }

    [Test]
    public void Renewal_WithinMaxTtl_GrantsTheIncrementExactly()
    {
        var (ttl, warning) = ExpirationManager.CalculateRenewTtl(TimeSpan.FromSeconds(7200), TimeSpan.FromHours(768), Second.AddMilliseconds(400), Second.AddMinutes(5).AddMilliseconds(700));

        Assert.That(ttl, Is.EqualTo(TimeSpan.FromSeconds(7200)));
        Assert.That(warning, Is.Null);
    }

    [Test]
    public void Renewal_PastMaxTtl_IsRefused()
    {
        var e = Assert.Throws<VaultError>(() => ExpirationManager.CalculateRenewTtl(TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(8), Second.AddMilliseconds(100), Second.AddSeconds(8).AddMilliseconds(50)))!;

        Assert.That(e.Message, Does.Contain("past the max TTL"));
    }

    [TestCase(1, 0.0, 10)]
    [TestCase(1, 0.999999, 30)]
    [TestCase(1, 0.5, 20)]
    [TestCase(5, 0.0, 160)]
    [TestCase(5, 0.999999, 480)]
    public void Backoff_FollowsVaultsExponentialSpread(int failures, double unit, int seconds)
    {
        var wait = ExpirationManager.Backoff(failures, TimeSpan.FromSeconds(10), unit);

        Assert.That(wait.TotalSeconds, Is.EqualTo(seconds).Within(0.001));
    }

    [Test]
    public void Defaults_AreVaults_WhenNoKnobIsSet()
    {
        Assert.That(Environment.GetEnvironmentVariable(Quirks.RevokeRetryBaseVariable), Is.Null, "the test process itself must not set the knob");
        Assert.Multiple(() =>
        {
            Assert.That(Quirks.RevokeRetryBase, Is.EqualTo(TimeSpan.FromSeconds(10)));
            Assert.That(Quirks.KvUpgradeWindow, Is.EqualTo(TimeSpan.FromMilliseconds(250)));
            Assert.That(Quirks.LeaseDeleteLag, Is.EqualTo(TimeSpan.FromMilliseconds(5)));
            Assert.That(Quirks.Format(TimeSpan.FromMilliseconds(250)), Is.EqualTo("250ms"));
            Assert.That(Quirks.Format(TimeSpan.FromSeconds(10)), Is.EqualTo("10s"));
        });
    }

    [TestCase("SANDBOX_DOUBLE_KV_UPGRADE_MS", "soon")]
    [TestCase("SANDBOX_DOUBLE_REVOKE_RETRY_BASE_MS", "0")]
    [TestCase("SANDBOX_DOUBLE_LEASE_DELETE_LAG_MS", "-5")]
    public void BadKnob_IsNamedWithTheFix(string variable, string value)
    {
        var problem = Quirks.Problem(name => name == variable ? value : null);

        Assert.That(problem, Does.StartWith($"{variable}='{value}' is not a whole number of milliseconds").And.Contains("fix:"));
    }

    [Test]
    public void ZeroTurnsTheWindowsOff_AndNoKnobIsFine()
    {
        Assert.That(Quirks.Problem(name => name == Quirks.KvUpgradeVariable ? "0" : null), Is.Null);
        Assert.That(Quirks.Problem(_ => null), Is.Null);
    }
}
