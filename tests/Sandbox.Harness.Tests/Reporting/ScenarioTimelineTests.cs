using Microsoft.Extensions.Time.Testing;
using NUnit.Framework;
using Sandbox.Harness.Reporting;

namespace Sandbox.Harness.Tests.Reporting;

[TestFixture]
public sealed class ScenarioTimelineTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 28, 9, 0, 0, TimeSpan.Zero);

    [Test]
    [CancelAfter(5_000)]
    public void Measure_BetweenMarks_IsTheFakeClockDifferenceInMilliseconds(CancellationToken cancellationToken)
    {
        var clock = new FakeTimeProvider(Start);
        var timeline = new ScenarioTimeline(clock);

        clock.Advance(TimeSpan.FromSeconds(2));
        timeline.Mark("sealed");
        clock.Advance(TimeSpan.FromMilliseconds(4_250.5));
        timeline.Mark("unsealed");
        var ms = timeline.Measure(TimingNames.TimeSealed, "sealed", "unsealed");

        Assert.Multiple(() =>
        {
            Assert.That(ms, Is.EqualTo(4_250.5));
            Assert.That(timeline.Timings[TimingNames.TimeSealed], Is.EqualTo(4_250.5));
            Assert.That(timeline.StartedAt, Is.EqualTo(Start));
        });
    }

    [Test]
    [CancelAfter(5_000)]
    public void MeasureSince_UsesNowFromTheClock(CancellationToken cancellationToken)
    {
        var clock = new FakeTimeProvider(Start);
        var timeline = new ScenarioTimeline(clock);
        timeline.Mark("unseal-requested");
        clock.Advance(TimeSpan.FromMilliseconds(731));

        var ms = timeline.MeasureSince(TimingNames.TimeToFirstCredential, "unseal-requested");

        Assert.That(ms, Is.EqualTo(731));
    }

    [Test]
    [CancelAfter(5_000)]
    public void Mark_Again_MovesTheMarkToNow(CancellationToken cancellationToken)
    {
        var clock = new FakeTimeProvider(Start);
        var timeline = new ScenarioTimeline(clock);
        timeline.Mark("sealed");
        clock.Advance(TimeSpan.FromSeconds(10));
        timeline.Mark("sealed");
        clock.Advance(TimeSpan.FromSeconds(1));

        Assert.That(timeline.MeasureSince("round", "sealed"), Is.EqualTo(1_000));
    }

    [Test]
    [CancelAfter(5_000)]
    public void Events_CarryOffsetKindAndTheCurrentPhase(CancellationToken cancellationToken)
    {
        var clock = new FakeTimeProvider(Start);
        var timeline = new ScenarioTimeline(clock);

        timeline.Step("wrote kvv2/app/config");
        clock.Advance(TimeSpan.FromSeconds(1));
        timeline.EnterPhase(ScenarioPhase.Sealed);
        clock.Advance(TimeSpan.FromMilliseconds(500));
        timeline.Observe("health answered 503", new Dictionary<string, string> { ["status"] = "503" });

        var events = timeline.Events;
        Assert.Multiple(() =>
        {
            Assert.That(events.Select(e => e.Kind), Is.EqualTo(new[] { TimelineEventKind.Step, TimelineEventKind.Phase, TimelineEventKind.Observation }));
            Assert.That(events.Select(e => e.Phase), Is.EqualTo(new[] { ScenarioPhase.Setup, ScenarioPhase.Sealed, ScenarioPhase.Sealed }));
            Assert.That(events.Select(e => e.OffsetMs), Is.EqualTo(new[] { 0d, 1_000d, 1_500d }));
            Assert.That(events[2].At, Is.EqualTo(Start.AddMilliseconds(1_500)));
            Assert.That(events[2].Data!["status"], Is.EqualTo("503"));
            Assert.That(timeline.Phase, Is.EqualTo(ScenarioPhase.Sealed));
        });
    }

    [Test]
    [CancelAfter(5_000)]
    public void Measure_WithUnknownMark_ThrowsNamingTheMarkAndTheKnownOnes(CancellationToken cancellationToken)
    {
        var timeline = new ScenarioTimeline(new FakeTimeProvider(Start));
        timeline.Mark("sealed");

        var error = Assert.Throws<ArgumentException>(() => timeline.Measure(TimingNames.TimeSealed, "sealed", "unsealed"));

        Assert.That(error!.Message, Does.Contain("'unsealed'").And.Contain("sealed"));
    }

    [Test]
    [CancelAfter(5_000)]
    public void Measure_EndingBeforeItsStart_Throws(CancellationToken cancellationToken)
    {
        var timeline = new ScenarioTimeline(new FakeTimeProvider(Start));

        Assert.Throws<ArgumentException>(() => timeline.Measure("x", Start.AddSeconds(2), Start.AddSeconds(1)));
    }

    [Test]
    [CancelAfter(5_000)]
    public void EnterPhase_IsTheOnlyWayToRecordAPhaseEvent(CancellationToken cancellationToken)
    {
        var timeline = new ScenarioTimeline(new FakeTimeProvider(Start));

        Assert.Throws<ArgumentException>(() => timeline.Record(TimelineEventKind.Phase, "sealed"));
    }

    [Test]
    [CancelAfter(10_000)]
    public void Record_FromManyThreads_KeepsEveryEventAndTiming(CancellationToken cancellationToken)
    {
        var timeline = new ScenarioTimeline(TimeProvider.System);
        timeline.Mark("start");

        Parallel.For(0, 2_000, new ParallelOptions { CancellationToken = cancellationToken }, i =>
        {
            timeline.Note($"event {i}");
            if (i % 10 == 0)
            {
                timeline.MeasureSince($"t{i}", "start");
            }
        });

        Assert.Multiple(() =>
        {
            Assert.That(timeline.Events.Count(e => e.Kind == TimelineEventKind.Note), Is.EqualTo(2_000));
            Assert.That(timeline.Events.Select(e => e.Text).Distinct().Count(), Is.EqualTo(2_001));
            Assert.That(timeline.Timings, Has.Count.EqualTo(200));
        });
    }

    [Test]
    [CancelAfter(5_000)]
    public void ToResult_CarriesVerdictTimingsEventsAndTimes(CancellationToken cancellationToken)
    {
        var clock = new FakeTimeProvider(Start);
        var timeline = new ScenarioTimeline(clock);
        timeline.Mark("a");
        clock.Advance(TimeSpan.FromSeconds(3));
        timeline.Measure("wait", "a", "a");
        timeline.Fault("killed vault with SIGKILL");

        var result = timeline.ToResult("sealed-restart/kill", ScenarioVerdict.Failed, "health still 503 after unseal", suite: "sealed-restart");

        Assert.Multiple(() =>
        {
            Assert.That(result.Name, Is.EqualTo("sealed-restart/kill"));
            Assert.That(result.Suite, Is.EqualTo("sealed-restart"));
            Assert.That(result.Verdict, Is.EqualTo(ScenarioVerdict.Failed));
            Assert.That(result.Passed, Is.False);
            Assert.That(result.FailureMessage, Is.EqualTo("health still 503 after unseal"));
            Assert.That(result.StartedAt, Is.EqualTo(Start));
            Assert.That(result.EndedAt, Is.EqualTo(Start.AddSeconds(3)));
            Assert.That(result.DurationMs, Is.EqualTo(3_000));
            Assert.That(result.Timings["wait"], Is.EqualTo(0));
            Assert.That(result.Events, Has.Count.EqualTo(2));
        });
    }
}
