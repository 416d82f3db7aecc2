using NUnit.Framework;
using Sandbox.Harness.Vault;

namespace Sandbox.Harness.Tests.Vault;

/// <summary>The revocation bound follows Vault's backoff: first attempt at expiry, one retry after 2 × base +50 %.</summary>
[TestFixture]
public sealed class RevocationTimingTests
{
    [TestCase("10s", 10_000)]
    [TestCase("250ms", 250)]
    [TestCase("25ms", 25)]
    [TestCase("1m40s", 100_000)]
    [TestCase("1h", 3_600_000)]
    public void TryParse_ReadsTheDurationsTheDoubleLogs(string text, int ms)
    {
        Assert.That(RevocationTiming.TryParse(text, out var value), Is.True);
        Assert.That(value, Is.EqualTo(TimeSpan.FromMilliseconds(ms)));
    }

    [TestCase("")]
    [TestCase("soon")]
    [TestCase("0s")]
    public void TryParse_RefusesWhatIsNotABase(string text) => Assert.That(RevocationTiming.TryParse(text, out _), Is.False);

    [Test]
    public void Bound_WithVaultsBase_CoversOneRetry()
    {
        var timing = new RevocationTiming(RevocationTiming.VaultRetryBase, "Vault's revokeRetryBase");

        Assert.That(timing.Bound, Is.EqualTo(TimeSpan.FromSeconds(35)), "3 × 10 s (the latest first retry) + 5 s slack");
        Assert.That(timing.Describe(), Does.Contain("revocation retry base 10 s (Vault's revokeRetryBase)").And.Contain("35 s bound"));
    }
}
