using NUnit.Framework;
using Sandbox.Harness.Replay;
using Sandbox.Harness.Runtimes;
using Sandbox.Harness.Topology;

namespace Sandbox.Harness.Tests.Replay;

/// <summary>The result's summary, the parts the options make possible, and restricting a plan to them.</summary>
[TestFixture]
public sealed class ReplayResultTests
{
    [Test]
    [CancelAfter(5_000)]
    public void Summary_CountsWritesAsChanges_AndListsEveryKind(CancellationToken cancellationToken)
    {
        var result = new ReplayResult(
        [
            new ReplayChange("mount", "kvv2/", ReplayChangeKind.Created),
            new ReplayChange("policy", "webapp", ReplayChangeKind.Updated, "path \"kvv2/data/*\" gained [read]"),
            new ReplayChange("policy", "erp", ReplayChangeKind.Unchanged),
            new ReplayChange("seed", "kvv2/erp/config", ReplayChangeKind.Kept, "exists"),
            new ReplayChange("jwt config", "auth/jwt/config", ReplayChangeKind.Skipped, "no issuer"),
        ], ReplayParts.Core);

        Assert.That(result.ChangeCount, Is.EqualTo(2));
        Assert.That(result.Summary, Is.EqualTo("2 changes (1 created, 1 updated, 1 unchanged, 1 kept, 1 skipped)"));
        Assert.That(result.ToString(), Does.Contain("updated   policy webapp (path \"kvv2/data/*\" gained [read])").And.Not.Contain("policy erp"));
    }

    [Test]
    [CancelAfter(5_000)]
    public void Summary_OfANoOpReplay_SaysZeroChanges(CancellationToken cancellationToken)
    {
        var result = new ReplayResult([new ReplayChange("policy", "erp", ReplayChangeKind.Unchanged)], ReplayParts.Core);

        Assert.That(result.Summary, Is.EqualTo("0 changes (1 unchanged)"));
    }

    [Test]
    [CancelAfter(5_000)]
    public void Parts_FollowTheEngineInputsGiven_AndExclude(CancellationToken cancellationToken)
    {
        Assert.That(new ReplayOptions().Parts, Is.EqualTo(ReplayParts.Core));
        Assert.That(new ReplayOptions { Postgres = new PostgresEndpoint("127.0.0.1", 5432, "postgres", "x") }.Parts, Is.EqualTo(ReplayParts.Core | ReplayParts.Database));
        Assert.That(new ReplayOptions { KubernetesHost = "http://127.0.0.1:1", JwtValidationPubkeys = ["pem"] }.Parts, Is.EqualTo(ReplayParts.Core | ReplayParts.KubernetesAuth | ReplayParts.JwtAuth));
        Assert.That(new ReplayOptions { JwtValidationPubkeys = [] }.Parts, Is.EqualTo(ReplayParts.Core), "an empty key list is no key");
        Assert.That(new ReplayOptions { KubernetesHost = "http://127.0.0.1:1", Exclude = ReplayParts.KubernetesAuth | ReplayParts.Seeds }.Parts,
            Is.EqualTo(ReplayParts.Core & ~ReplayParts.Seeds));
    }

    [Test]
    [CancelAfter(10_000)]
    public void Restrict_EmptiesThePartsLeftOut_AndKeepsTheRest(CancellationToken cancellationToken)
    {
        var plan = TopologyPlan.From(TopologyLoader.Load(ReplaySandbox.FixtureTopology));

        var core = ObservedStateReader.Restrict(plan, ReplayParts.Core);

        Assert.That(core.Mounts, Has.Count.EqualTo(4));
        Assert.That(core.Policies, Has.Count.EqualTo(6));
        Assert.That(core.TransitKeys, Has.Count.EqualTo(3), "one key per app");
        Assert.That(core.KubernetesRoles, Is.Empty);
        Assert.That(core.JwtRoles, Is.Empty);
        Assert.That(core.DatabaseRoles, Is.Empty);
        Assert.That(core.PostgresGroupRoles, Is.Empty);
        Assert.That(ObservedStateReader.Restrict(plan, ReplayParts.All).JwtRoles, Has.Count.EqualTo(3));
    }

    [Test]
    [CancelAfter(5_000)]
    public void ParityProbe_Verdict_SaysWhichWayItFailed(CancellationToken cancellationToken)
    {
        Assert.That(new ParityProbe("w", "read", "p", ProbeAccess.Denied, ProbeAccess.Granted).Verdict, Is.EqualTo("NO access expected but got it"));
        Assert.That(new ParityProbe("w", "read", "p", ProbeAccess.Granted, ProbeAccess.Denied).Verdict, Is.EqualTo("access expected but was denied"));
        Assert.That(new ParityProbe("w", "read", "p", ProbeAccess.Granted, ProbeAccess.Error, "500").Verdict, Is.EqualTo("expected granted, got error"));
        Assert.That(new ParityProbe("w", "read", "p", ProbeAccess.Denied, ProbeAccess.Denied).Passed, Is.True);
        Assert.That(new NameParityResult([], []).Passed, Is.False, "no probe is no pass");
    }
}
