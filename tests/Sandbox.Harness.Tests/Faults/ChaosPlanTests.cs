using NUnit.Framework;
using Sandbox.Harness;
using Sandbox.Harness.Faults;

namespace Sandbox.Harness.Tests.Faults;

[TestFixture]
public sealed class ChaosPlanTests
{
    /// <summary>
    /// Seed 42, 8 rounds, default faults, written out literally. It fails if the generator,
    /// the draw order, the ranges or the printed format change on any machine or runtime, which
    /// would break "the same seed replays the same sequence" for every plan printed before.
    /// </summary>
    private const string PinnedSeed42 = """
        chaos plan: seed=42 rounds=8 faults=restart-vault-graceful,restart-vault-kill,seal,stop-postgres,short-lease-ttl
        round 1: stop-postgres wait=1s hold=9s
        round 2: short-lease-ttl wait=4s hold=8s
        round 3: restart-vault-graceful wait=2s hold=1s
        round 4: short-lease-ttl wait=5s hold=9s
        round 5: stop-postgres wait=1s hold=7s
        round 6: restart-vault-graceful wait=5s hold=3s
        round 7: seal wait=0s hold=3s
        round 8: restart-vault-kill wait=3s hold=1s
        """;

    /// <summary>Seed 2026, 16 rounds, every fault (covers the corruption draw), written out literally.</summary>
    private const string PinnedSeed2026AllFaults = """
        chaos plan: seed=2026 rounds=16 faults=restart-vault-graceful,restart-vault-kill,seal,stop-postgres,short-lease-ttl,corrupt-key-file,delete-key-file,wipe-storage
        round 1: stop-postgres wait=5s hold=5s
        round 2: seal wait=3s hold=10s
        round 3: delete-key-file wait=1s hold=0s
        round 4: seal wait=1s hold=1s
        round 5: restart-vault-graceful wait=1s hold=5s
        round 6: restart-vault-kill wait=1s hold=3s
        round 7: stop-postgres wait=1s hold=7s
        round 8: restart-vault-graceful wait=2s hold=4s
        round 9: restart-vault-kill wait=5s hold=3s
        round 10: delete-key-file wait=0s hold=0s
        round 11: delete-key-file wait=0s hold=1s
        round 12: wipe-storage wait=5s hold=3s
        round 13: delete-key-file wait=2s hold=2s
        round 14: delete-key-file wait=0s hold=3s
        round 15: corrupt-key-file wait=4s hold=1s corruption=flip-bit
        round 16: corrupt-key-file wait=0s hold=2s corruption=garbage
        """;

    [Test]
    [CancelAfter(5_000)]
    public void Create_PinnedSeed_GivesThePinnedSequence(CancellationToken cancellationToken)
    {
        var plan = ChaosPlan.Create(42, 8);

        Assert.That(plan.Describe(), Is.EqualTo(PinnedSeed42.ReplaceLineEndings("\n") + "\n"));
    }

    [Test]
    [CancelAfter(5_000)]
    public void Create_PinnedSeedWithEveryFault_GivesThePinnedSequence(CancellationToken cancellationToken)
    {
        var plan = ChaosPlan.Create(2026, 16, FaultCatalog.All.ToList());

        Assert.That(plan.Describe(), Is.EqualTo(PinnedSeed2026AllFaults.ReplaceLineEndings("\n") + "\n"));
    }

    [Test]
    [CancelAfter(5_000)]
    public void Create_SameSeed_SamePlan_OtherSeed_OtherPlan(CancellationToken cancellationToken)
    {
        var a = ChaosPlan.Create(1234, 50);
        var b = ChaosPlan.Create(1234, 50);
        var c = ChaosPlan.Create(1235, 50);

        Assert.Multiple(() =>
        {
            Assert.That(b, Is.EqualTo(a));
            Assert.That(b.Rounds, Is.EqualTo(a.Rounds));
            Assert.That(c.Rounds, Is.Not.EqualTo(a.Rounds));
        });
    }

    [Test]
    [CancelAfter(5_000)]
    public void Create_FewerRounds_IsAPrefixOfMoreRounds(CancellationToken cancellationToken)
    {
        var short3 = ChaosPlan.Create(-7, 3);
        var long10 = ChaosPlan.Create(-7, 10);

        Assert.That(long10.Rounds.Take(3), Is.EqualTo(short3.Rounds));
    }

    [Test]
    [CancelAfter(5_000)]
    public void Create_OrderAndDuplicatesOfAllowedFaults_DoNotMatter(CancellationToken cancellationToken)
    {
        var a = ChaosPlan.Create(9, 20, [FaultKind.Seal, FaultKind.StopPostgres, FaultKind.RestartVaultKill]);
        var b = ChaosPlan.Create(9, 20, [FaultKind.RestartVaultKill, FaultKind.Seal, FaultKind.StopPostgres, FaultKind.Seal]);

        Assert.That(b.Describe(), Is.EqualTo(a.Describe()));
    }

    [Test]
    [CancelAfter(5_000)]
    public void Create_ByDefault_NeverPicksADestructiveFault(CancellationToken cancellationToken)
    {
        var plan = ChaosPlan.Create(2026, 2_000);

        Assert.Multiple(() =>
        {
            Assert.That(plan.Rounds.Select(r => r.Fault), Has.None.Matches<FaultKind>(FaultCatalog.IsDestructive));
            Assert.That(plan.Rounds.Select(r => r.Fault).Distinct().Order(), Is.EqualTo(FaultCatalog.Default));
            Assert.That(plan.IncludesDestructive, Is.False);
            Assert.That(ChaosPlan.DestructiveExcludedNotice, Does.Contain("delete-key-file").And.Contain("wipe-storage").And.Contain("corrupt-key-file"));
        });
    }

    [Test]
    [CancelAfter(5_000)]
    public void Create_WhenAsked_IncludesDestructiveFaultsWithTheirParameters(CancellationToken cancellationToken)
    {
        var plan = ChaosPlan.Create(5, 300, FaultCatalog.All.ToList());

        var corrupt = plan.Rounds.Where(r => r.Fault == FaultKind.CorruptKeyFile).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(plan.IncludesDestructive, Is.True);
            Assert.That(plan.Rounds.Select(r => r.Fault).Distinct().Count(), Is.EqualTo(FaultCatalog.All.Count));
            Assert.That(corrupt, Has.All.Matches<ChaosRound>(r => r.Corruption is not null));
            Assert.That(corrupt.Select(r => r.Corruption).Distinct().Count(), Is.EqualTo(3));
            Assert.That(plan.Rounds.Where(r => r.Fault != FaultKind.CorruptKeyFile), Has.All.Matches<ChaosRound>(r => r.Corruption is null));
        });
    }

    [Test]
    [CancelAfter(5_000)]
    public void Create_WaitAndHoldStayInTheirDocumentedRanges(CancellationToken cancellationToken)
    {
        var plan = ChaosPlan.Create(77, 1_000, FaultCatalog.All.ToList());

        Assert.Multiple(() =>
        {
            foreach (var round in plan.Rounds)
            {
                var (min, max) = FaultCatalog.HoldSecondsRange(round.Fault);
                Assert.That(round.HoldSeconds, Is.InRange(min, max), round.Describe());
                Assert.That(round.WaitSeconds, Is.InRange(FaultCatalog.WaitSecondsRange.Min, FaultCatalog.WaitSecondsRange.Max), round.Describe());
            }

            Assert.That(plan.Rounds.Select(r => r.Number), Is.EqualTo(Enumerable.Range(1, 1_000)));
        });
    }

    [TestCase(0)]
    [TestCase(-3)]
    [TestCase(ChaosPlan.MaxRounds + 1)]
    [CancelAfter(5_000)]
    public void Create_WithRoundsOutOfRange_SaysWhatIsAllowed(int rounds, CancellationToken cancellationToken)
    {
        var error = Assert.Throws<ChaosPlanException>(() => ChaosPlan.Create(1, rounds));

        Assert.Multiple(() =>
        {
            Assert.That(error!.Message, Does.Contain("1 to 10000").And.Contain("--rounds"));
            Assert.That(error.ExitCode, Is.EqualTo(ExitCode.InvalidInput));
        });
    }

    [Test]
    [CancelAfter(5_000)]
    public void Create_WithNoFaults_Refuses(CancellationToken cancellationToken)
    {
        var error = Assert.Throws<ChaosPlanException>(() => ChaosPlan.Create(1, 3, []));

        Assert.That(error!.Message, Does.Contain("restart-vault-kill"));
    }

    [TestCase(42, 8, false)]
    [TestCase(-2147483648, 40, true)]
    [TestCase(2147483647, 1, true)]
    [CancelAfter(5_000)]
    public void Parse_OfThePrintedPlan_GivesTheSamePlan(int seed, int rounds, bool destructive, CancellationToken cancellationToken)
    {
        var plan = ChaosPlan.Create(seed, rounds, destructive ? FaultCatalog.All.ToList() : null);

        var back = ChaosPlan.Parse(plan.Describe());

        Assert.Multiple(() =>
        {
            Assert.That(back, Is.EqualTo(plan));
            Assert.That(back.Seed, Is.EqualTo(seed));
            Assert.That(back.Rounds, Is.EqualTo(plan.Rounds));
            Assert.That(back.Faults, Is.EqualTo(plan.Faults));
            Assert.That(back.MatchesSeed(), Is.True);
        });
    }

    [Test]
    [CancelAfter(5_000)]
    public void Parse_IgnoresCommentsBlankLinesAndCarriageReturns(CancellationToken cancellationToken)
    {
        var plan = ChaosPlan.Create(3, 4);
        var decorated = "# printed by sandbox chaos\r\n\r\n" + plan.Describe().Replace("\n", "\r\n", StringComparison.Ordinal) + "\n# end\n";

        Assert.That(ChaosPlan.Parse(decorated), Is.EqualTo(plan));
    }

    [Test]
    [CancelAfter(5_000)]
    public void Parse_OfAnEditedPlan_ReadsItButNoLongerMatchesTheSeed(CancellationToken cancellationToken)
    {
        var text = "chaos plan: seed=42 rounds=2 faults=seal,stop-postgres\nround 1: seal wait=0s hold=1s\nround 2: stop-postgres wait=0s hold=1s\n";

        var plan = ChaosPlan.Parse(text);

        Assert.Multiple(() =>
        {
            Assert.That(plan.Rounds[1], Is.EqualTo(new ChaosRound(2, FaultKind.StopPostgres, 0, 1)));
            Assert.That(plan.MatchesSeed(), Is.False);
            Assert.That(plan.Describe(), Is.EqualTo(text));
        });
    }

    [TestCase("", 1, "header")]
    [TestCase("chaos plan: seed=x rounds=1 faults=seal\nround 1: seal wait=0s hold=1s", 1, "header")]
    [TestCase("chaos plan: seed=1 rounds=1 faults=seal,melt-down\nround 1: seal wait=0s hold=1s", 1, "fault names")]
    [TestCase("chaos plan: seed=1 rounds=2 faults=seal\nround 1: seal wait=0s hold=1s\nround 3: seal wait=0s hold=1s", 3, "round 2 next")]
    [TestCase("chaos plan: seed=1 rounds=1 faults=seal\nround 1: stop-postgres wait=0s hold=1s", 2, "one of the header's faults")]
    [TestCase("chaos plan: seed=1 rounds=1 faults=seal\nround 1: seal wait=0 hold=1s", 2, "wait=<s>s")]
    [TestCase("chaos plan: seed=1 rounds=1 faults=corrupt-key-file\nround 1: corrupt-key-file wait=0s hold=1s", 2, "corruption=truncate")]
    [TestCase("chaos plan: seed=1 rounds=1 faults=seal\nround 1: seal wait=0s hold=1s corruption=truncate", 2, "only on corrupt-key-file")]
    [TestCase("chaos plan: seed=1 rounds=3 faults=seal\nround 1: seal wait=0s hold=1s", 2, "3 rounds as the header says; found 1")]
    [CancelAfter(5_000)]
    public void Parse_OfMalformedText_NamesTheLineAndWhatWasExpected(string text, int line, string expected, CancellationToken cancellationToken)
    {
        var error = Assert.Throws<ChaosPlanException>(() => ChaosPlan.Parse(text, "plan.txt"));

        Assert.Multiple(() =>
        {
            Assert.That(error!.Message, Does.StartWith($"plan.txt, line {line}:"));
            Assert.That(error.Message, Does.Contain(expected));
            Assert.That(error.ExitCode, Is.EqualTo(ExitCode.InvalidInput));
        });
    }
}
