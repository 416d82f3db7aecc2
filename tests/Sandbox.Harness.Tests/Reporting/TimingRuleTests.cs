using NUnit.Framework;
using Sandbox.Harness.Reporting;

namespace Sandbox.Harness.Tests.Reporting;

/// <summary>The timing rule on synthetic sample sets: no clock, no machine load, the same verdict every run.</summary>
[TestFixture]
public sealed class TimingRuleTests
{
    private static readonly TimingRule Rule = new();

    [Test]
    [CancelAfter(5_000)]
    public void Judge_AClearSlowdown_IsARegression_WithMediansSamplesAndNoise(CancellationToken cancellationToken)
    {
        double[] before = [120, 125, 118, 130, 122];
        double[] after = [460, 470, 455, 480, 465];

        var found = Rule.Judge("sealed-restart", TimingNames.TimeToFirstCredential, before, after);

        Assert.That(found, Is.Not.Null);
        Assert.Multiple(() =>
        {
            Assert.That(found!.BeforeMs, Is.EqualTo(122));
            Assert.That(found.AfterMs, Is.EqualTo(465));
            Assert.That(found.BeforeSamplesMs, Is.EqualTo(before));
            Assert.That(found.AfterSamplesMs, Is.EqualTo(after));
            // MAD before 3, after 5: noise 1.4826 × 5.
            Assert.That(found.NoiseMs, Is.EqualTo(7.413).Within(0.001));
        });
    }

    [Test]
    [CancelAfter(5_000)]
    public void Judge_OneSlowSampleAfter_IsNotARegression(CancellationToken cancellationToken)
    {
        // The busy-machine case: one scheduler stall on the after side moves neither the median nor the minimum.
        double[] before = [120, 125, 118, 130, 122];
        double[] after = [124, 460, 119, 127, 121];

        Assert.That(Rule.Judge("sealed-restart", TimingNames.TimeToFirstCredential, before, after), Is.Null);
    }

    [Test]
    [CancelAfter(5_000)]
    public void Judge_SidesThatOverlap_AreNotARegression_EvenWithASlowerMedian(CancellationToken cancellationToken)
    {
        // Medians 300 -> 700 ms (2.3×, +400 ms), but one after sample is as fast as the baseline's slowest.
        double[] before = [300, 280, 320, 310, 290];
        double[] after = [700, 720, 690, 310, 710];

        Assert.That(Rule.Judge("s", "t", before, after), Is.Null);
    }

    [Test]
    [CancelAfter(5_000)]
    public void Judge_SeparatedButWithinTheNoiseMargin_IsNotARegression(CancellationToken cancellationToken)
    {
        // A noisy baseline (MAD 200 ms, noise ≈ 297 ms): after's fastest 1 300 ms is above before's
        // slowest 1 200 ms, but not by 3 × the noise.
        double[] before = [200, 600, 400, 1_200, 800];
        double[] after = [1_300, 1_350, 1_400, 1_320, 1_380];

        Assert.That(Rule.Judge("s", "t", before, after), Is.Null);
    }

    [Test]
    [CancelAfter(5_000)]
    public void Judge_AboveTheNoiseButUnderTheFactorOrTheMinimumIncrease_IsNotARegression(CancellationToken cancellationToken)
    {
        Assert.Multiple(() =>
        {
            // +300 ms but only 1.1×.
            Assert.That(Rule.Judge("s", "t", [3_000, 3_001, 3_002], [3_300, 3_301, 3_302]), Is.Null);
            // 3× but only +200 ms.
            Assert.That(Rule.Judge("s", "t", [100, 101, 102], [300, 301, 302]), Is.Null);
        });
    }

    [Test]
    [CancelAfter(5_000)]
    public void Judge_TooFewSamples_IsNeverARegression(CancellationToken cancellationToken)
    {
        Assert.Multiple(() =>
        {
            Assert.That(Rule.Judge("s", "t", [122], [460]), Is.Null);
            Assert.That(Rule.Judge("s", "t", [120, 121], [900, 901, 902]), Is.Null);
            Assert.That(new TimingRule { MinimumSamples = 2 }.Judge("s", "t", [120, 121], [900, 901]), Is.Not.Null);
        });
    }

    [Test]
    [CancelAfter(5_000)]
    public void MedianAndMad_AreTheTextbookValues(CancellationToken cancellationToken)
    {
        Assert.Multiple(() =>
        {
            Assert.That(TimingRule.Median([5, 1, 3]), Is.EqualTo(3));
            Assert.That(TimingRule.Median([4, 1, 3, 2]), Is.EqualTo(2.5));
            Assert.That(TimingRule.MedianAbsoluteDeviation([1, 1, 2, 2, 4, 6, 9]), Is.EqualTo(1));
            Assert.That(() => TimingRule.Median([]), Throws.ArgumentException);
        });
    }

    [Test]
    [CancelAfter(5_000)]
    public void Judge_RefusesSettingsOutOfRange(CancellationToken cancellationToken)
    {
        Assert.Multiple(() =>
        {
            Assert.That(() => new TimingRule { Factor = 0.5 }.Judge("s", "t", [1, 2, 3], [1, 2, 3]), Throws.InstanceOf<ArgumentOutOfRangeException>());
            Assert.That(() => new TimingRule { MinimumSamples = 1 }.Judge("s", "t", [1, 2, 3], [1, 2, 3]), Throws.InstanceOf<ArgumentOutOfRangeException>());
        });
    }
}
