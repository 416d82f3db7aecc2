using NUnit.Framework;
using Sandbox.Harness.Reporting;

namespace Sandbox.Harness.Tests.Reporting;

[TestFixture]
public sealed class RehearsalDiffTests
{
    [Test]
    [CancelAfter(5_000)]
    public void FindScenarioRegressions_ListsPassToFailAndMissing_NotFailToFail(CancellationToken cancellationToken)
    {
        var baseline = new[] { SampleRuns.SealedRestart("a"), SampleRuns.SealedRestart("b"), SampleRuns.SealedRestart("c", passed: false), SampleRuns.SealedRestart("d") };
        var after = new[] { SampleRuns.SealedRestart("a"), SampleRuns.SealedRestart("b", passed: false), SampleRuns.SealedRestart("c", passed: false) };

        Assert.That(RehearsalDiff.FindScenarioRegressions(baseline, after), Is.EqualTo(new[] { "b", "d" }));
    }

    [Test]
    [CancelAfter(5_000)]
    public void FindTimingRegressions_NeedsBothTheFactorAndTheMinimumIncrease(CancellationToken cancellationToken)
    {
        var baseline = new[] { SampleRuns.SealedRestart(sealedSeconds: 4), SampleRuns.LeaseExpiry(lagSeconds: 0.1) };
        var after = new[] { SampleRuns.SealedRestart(sealedSeconds: 8), SampleRuns.LeaseExpiry(lagSeconds: 0.3) };

        var found = RehearsalDiff.FindTimingRegressions(baseline, after, factor: 1.5, minimumIncreaseMs: 250);

        Assert.Multiple(() =>
        {
            // time_sealed 4.3 s -> 8.3 s counts; lag 100 ms -> 300 ms is 3x but only +200 ms.
            Assert.That(found.Select(f => (f.Scenario, f.Timing)), Is.EqualTo(new[] { ("sealed-restart/kill", TimingNames.TimeSealed) }));
            Assert.That(found[0].BeforeMs, Is.EqualTo(4_300).Within(0.001));
            Assert.That(found[0].AfterMs, Is.EqualTo(8_300).Within(0.001));
        });
    }
}
