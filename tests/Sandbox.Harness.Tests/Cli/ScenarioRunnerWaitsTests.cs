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
}
