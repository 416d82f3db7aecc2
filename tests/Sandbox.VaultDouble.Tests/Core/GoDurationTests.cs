using Sandbox.VaultDouble.Core;

namespace Sandbox.VaultDouble.Tests.Core;

/// <summary>Vault's duration fields and Go's duration text, used in TTL cap warnings.</summary>
[TestFixture, CancelAfter(10_000)]
public sealed class GoDurationTests
{
    [TestCase("768h", 2764800)]
    [TestCase("1h30m", 5400)]
    [TestCase("90s", 90)]
    [TestCase("90", 90)]
    [TestCase("1.5h", 5400)]
    [TestCase("", 0)]
    public void TryParse_AcceptsVaultForms(string text, long seconds)
    {
        Assert.That(GoDuration.TryParse(text, out var value), Is.True);
        Assert.That((long)value.TotalSeconds, Is.EqualTo(seconds));
    }

    [TestCase("soon")]
    [TestCase("-1h")]
    [TestCase("1x")]
    [TestCase("h")]
    public void TryParse_RefusesGarbage(string text) => Assert.That(GoDuration.TryParse(text, out _), Is.False);

    [TestCase(3600, "1h")]
    [TestCase(595, "9m55s")]
    [TestCase(2764800, "768h")]
    [TestCase(3661, "1h1m1s")]
    [TestCase(0, "0s")]
    public void Format_TrimsZeroUnitsLikeVault(long seconds, string expected)
        => Assert.That(GoDuration.Format(TimeSpan.FromSeconds(seconds)), Is.EqualTo(expected));
}
