extern alias sandboxcli;

using NUnit.Framework;
using sandboxcli::Sandbox.Cli.Drills;

namespace Sandbox.Harness.Tests.CommandLine;

[TestFixture]
public sealed class ScenarioRunnerWaitsTests
{
    [Test]
    [CancelAfter(5_000)]
    public void SplitWaits_CountsTtlRestartsAndHolds_NotSandboxStarts(CancellationToken cancellationToken)
    {
        var recorded = new Dictionary<string, double> { ["ttl"] = 23_100, ["restart"] = 2_200, ["sandbox-up"] = 19_500, ["hold"] = 1_000 };

        var (necessary, overhead) = ScenarioRunner.SplitWaits(recorded);

        Assert.Multiple(() =>
        {
            Assert.That(necessary.Select(k => k.Key), Is.EqualTo(new[] { "hold", "restart", "ttl" }));
            Assert.That(overhead.Select(k => k.Key), Is.EqualTo(new[] { "sandbox-up" }));
        });
    }

    private static readonly DateTimeOffset T0 = new(2026, 12, 7, 15, 0, 0, TimeSpan.Zero);

    private static RecordedWait At(double startSeconds, double seconds, string kind = "ttl") =>
        new(kind, T0.AddSeconds(startSeconds), TimeSpan.FromSeconds(seconds));

    [Test]
    [CancelAfter(5_000)]
    public void Union_OfOverlappingWaits_IsTheSpanWithAtLeastOneInProgress_NotTheSum(CancellationToken cancellationToken)
    {
        // Three lease tests at once (8 s, 9 s, and 3 s + 3.5 s inside them), one restart elsewhere in the same seconds.
        var waits = new[] { At(0, 8), At(0.5, 9), At(1, 3), At(4.2, 3.5), At(2, 1, "restart") };

        Assert.Multiple(() =>
        {
            Assert.That(RecordedWaits.Union(waits), Is.EqualTo(TimeSpan.FromSeconds(9.5)), "from 0 s to 9.5 s, something was waiting");
            Assert.That(waits.Sum(w => w.Duration.TotalSeconds), Is.EqualTo(24.5).Within(1e-9), "the sum counts the shared seconds several times");
        });
    }

    [Test]
    [CancelAfter(5_000)]
    public void Union_OfDisjointWaits_IsTheirSum_AndGapsDoNotCount(CancellationToken cancellationToken)
    {
        var waits = new[] { At(10, 2), At(0, 1.5), At(20, 0.25) };

        Assert.That(RecordedWaits.Union(waits), Is.EqualTo(TimeSpan.FromSeconds(3.75)));
    }

    [Test]
    [CancelAfter(5_000)]
    public void Union_CountsTouchingWaitsOnce_AndANestedWaitNotAtAll(CancellationToken cancellationToken)
    {
        var waits = new[] { At(0, 2), At(2, 3), At(0.5, 1), At(6, 1), At(6.2, 0.3) };

        Assert.Multiple(() =>
        {
            Assert.That(RecordedWaits.Union(waits), Is.EqualTo(TimeSpan.FromSeconds(6)), "[0, 5) and [6, 7)");
            Assert.That(RecordedWaits.Union([]), Is.EqualTo(TimeSpan.Zero));
        });
    }

    [Test]
    [CancelAfter(5_000)]
    public void Union_CountsAWaitWithoutAStart_InFull_OnItsOwn(CancellationToken cancellationToken)
    {
        var waits = new[] { At(0, 4), At(1, 2), new RecordedWait("restart", null, TimeSpan.FromSeconds(1.5)) };

        Assert.That(RecordedWaits.Union(waits), Is.EqualTo(TimeSpan.FromSeconds(5.5)), "an old line without a start cannot be placed, so it is not assumed to overlap");
    }

    [Test]
    [CancelAfter(5_000)]
    public void Parse_ReadsKindStartAndMilliseconds_AsTheSuitesWriteThem(CancellationToken cancellationToken)
    {
        var lines = new[]
        {
            """{"kind":"ttl","start":"2026-12-07T15:00:01.250Z","ms":8009.8,"scenario":"Sandbox.Scenarios.Suites.LeaseExpiryScenarios.Short"}""",
            "",
            """{"kind":"restart","ms":942.9,"scenario":"old line without a start"}""",
        };

        var waits = RecordedWaits.Parse(lines, "raw/waits.jsonl");

        Assert.That(waits, Is.EqualTo(new[]
        {
            new RecordedWait("ttl", T0.AddMilliseconds(1250), TimeSpan.FromMilliseconds(8009.8)),
            new RecordedWait("restart", null, TimeSpan.FromMilliseconds(942.9)),
        }));
    }

    [Test]
    [CancelAfter(5_000)]
    public void Parse_ABrokenLine_NamesTheFileAndTheLine(CancellationToken cancellationToken)
    {
        var lines = new[] { """{"kind":"ttl","ms":1}""", """{"kind":"ttl","start":"yesterday","ms":1}""" };

        var e = Assert.Throws<FormatException>(() => RecordedWaits.Parse(lines, "out/raw/waits.jsonl"))!;

        Assert.That(e.Message, Does.Contain("out/raw/waits.jsonl, line 2").And.Contain("\"start\" (UTC)"));
    }
}
