using NUnit.Framework;
using Sandbox.Harness.Faults.Internal;

namespace Sandbox.Harness.Tests.Faults;

[TestFixture]
public sealed class SplitMix64Tests
{
    [Test]
    [CancelAfter(5_000)]
    public void NextUInt64_MatchesThePublishedReferenceSequence(CancellationToken cancellationToken)
    {
        // The reference output of Vigna's splitmix64.c for seed 1234567 (also listed on Rosetta Code).
        var random = new SplitMix64(1234567);

        var first = Enumerable.Range(0, 5).Select(_ => random.NextUInt64()).ToArray();

        Assert.That(first, Is.EqualTo(new ulong[]
        {
            6457827717110365317,
            3203168211198807973,
            9817491932198370423,
            4593380528125082431,
            16408922859458223821,
        }));
    }

    [Test]
    [CancelAfter(5_000)]
    public void NextBelow_StaysInRangeAndReachesEveryValue(CancellationToken cancellationToken)
    {
        var random = new SplitMix64(7);

        var seen = Enumerable.Range(0, 5_000).Select(_ => random.NextBelow(7)).ToList();

        Assert.Multiple(() =>
        {
            Assert.That(seen, Has.All.InRange(0, 6));
            Assert.That(seen.Distinct().Count(), Is.EqualTo(7));
            Assert.That(seen.GroupBy(v => v).Select(g => g.Count()), Has.All.InRange(550, 900), "each of 7 values should come up about 714 times in 5000 draws");
        });
    }
}
