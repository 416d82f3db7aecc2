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
    public void FindTimingRegressions_JudgesTheSamples_WithTheMediansAndTheNoise(CancellationToken cancellationToken)
    {
        var baseline = new[]
        {
            SampleRuns.SealedRestart().WithSamples(TimingNames.TimeSealed, 4_300, 4_280, 4_350, 4_310, 4_290),
            SampleRuns.LeaseExpiry(passed: true).WithSamples(TimingNames.LeaseRevocationLag, 100, 110, 95, 105, 102),
        };
        var after = new[]
        {
            SampleRuns.SealedRestart(sealedSeconds: 8).WithSamples(TimingNames.TimeSealed, 8_300, 8_250, 8_420, 8_310, 8_330),
            SampleRuns.LeaseExpiry(passed: true).WithSamples(TimingNames.LeaseRevocationLag, 300, 310, 290, 305, 299),
        };

        var found = RehearsalDiff.FindTimingRegressions(baseline, after);

        Assert.Multiple(() =>
        {
            // time_sealed doubles by 4 s, far above its noise; the lag triples but gains only 200 ms.
            Assert.That(found.Select(f => (f.Scenario, f.Timing)), Is.EqualTo(new[] { ("sealed-restart/kill", TimingNames.TimeSealed) }));
            Assert.That(found[0].BeforeMs, Is.EqualTo(4_300).Within(0.001));
            Assert.That(found[0].AfterMs, Is.EqualTo(8_310).Within(0.001));
            Assert.That(found[0].AfterSamplesMs, Has.Count.EqualTo(5));
        });
    }

    [Test]
    [CancelAfter(5_000)]
    public void FindTimingRegressions_NeverJudgesASingleSampleASide(CancellationToken cancellationToken)
    {
        // The failure seen on a busy machine: time_to_first_credential 122 ms -> 460 ms, one sample each.
        var baseline = new[] { SampleRuns.SealedRestart(sealedSeconds: 1.5) };
        var after = new[] { SampleRuns.SealedRestart(sealedSeconds: 9) };

        Assert.That(RehearsalDiff.FindTimingRegressions(baseline, after), Is.Empty);
    }
}
