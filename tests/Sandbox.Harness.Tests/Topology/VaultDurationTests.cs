using NUnit.Framework;
using Sandbox.Harness.Topology;

namespace Sandbox.Harness.Tests.Topology;

[TestFixture]
public sealed class VaultDurationTests
{
    [TestCase("30", 30)]
    [TestCase("90s", 90)]
    [TestCase("20m", 1200)]
    [TestCase("1h", 3600)]
    [TestCase("1h30m", 5400)]
    [TestCase("1.5h", 5400)]
    [TestCase("7d", 604800)]
    [TestCase("0", 0)]
    [CancelAfter(5000)]
    public void TryParse_VaultSyntax_GivesSeconds(string text, long seconds, CancellationToken cancellationToken)
    {
        Assert.That(VaultDuration.TryParse(text, out var d), Is.True);
        Assert.That(d.Seconds, Is.EqualTo(seconds));
    }

    [TestCase("")]
    [TestCase("1 hour")]
    [TestCase("-5s")]
    [TestCase("h")]
    [TestCase("1w")]
    [TestCase("1h-")]
    [TestCase("PT1H")]
    [CancelAfter(5000)]
    public void TryParse_NotADuration_IsRefused(string text, CancellationToken cancellationToken)
    {
        Assert.That(VaultDuration.TryParse(text, out _), Is.False);
    }
}
