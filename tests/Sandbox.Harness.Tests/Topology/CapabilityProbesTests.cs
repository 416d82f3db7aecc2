using NUnit.Framework;
using Sandbox.Harness.Policies;
using Sandbox.Harness.Topology;

namespace Sandbox.Harness.Tests.Topology;

[TestFixture]
public sealed class CapabilityProbesTests
{
    private TopologyWorkspace _ws = null!;

    [SetUp]
    public void SetUp() => _ws = new TopologyWorkspace();

    [TearDown]
    public void TearDown() => _ws.Dispose();

    private static TopologyPlan FixturePlan() => TopologyPlan.From(TopologyLoader.Load(TopologyWorkspace.FixtureTopology));

    private TopologyPlan PlanWithOverlay(string overlayYaml, params (string Path, string Text)[] files)
    {
        foreach (var (path, text) in files)
        {
            _ws.Write(path, text);
        }

        return TopologyPlan.From(TopologyLoader.Load(TopologyWorkspace.FixtureTopology, _ws.Write("overlay.yaml", overlayYaml)));
    }

    [Test]
    [CancelAfter(10000)]
    public void LabPolicies_GiveNoTokenAnythingOfAnotherApp(CancellationToken cancellationToken)
    {
        var plan = FixturePlan();

        Assert.Multiple(() =>
        {
            foreach (var role in plan.KubernetesRoles)
            {
                Assert.That(CapabilityProbes.ForeignAccess(plan, role.Name, role.TokenPolicies), Is.Empty, role.Name);
            }

            foreach (var role in plan.JwtRoles)
            {
                var app = role.Name["gitea_cicd_".Length..];
                Assert.That(CapabilityProbes.ForeignAccess(plan, app, role.TokenPolicies), Is.Empty, role.Name);
            }
        });
    }

    [Test]
    [CancelAfter(10000)]
    public void Probes_CoverEveryAppsNamesAndAnOtherApp(CancellationToken cancellationToken)
    {
        var probes = CapabilityProbes.For(FixturePlan());

        Assert.Multiple(() =>
        {
            Assert.That(probes, Has.Some.EqualTo(new CapabilityProbe("kvv2/data/erp/config", "erp")));
            Assert.That(probes, Has.Some.EqualTo(new CapabilityProbe("postgres/creds/url-shortener", "url-shortener")));
            Assert.That(probes, Has.Some.EqualTo(new CapabilityProbe("transit/encrypt/webapp", "webapp")));
            Assert.That(probes, Has.Some.EqualTo(new CapabilityProbe("kv/webapp/config", "webapp")));
            Assert.That(probes, Has.Some.Property(nameof(CapabilityProbe.OwnerApp)).EqualTo(CapabilityProbes.OtherApp));
            Assert.That(probes, Has.Some.EqualTo(new CapabilityProbe("sys/auth/jwt", null)));
            Assert.That(probes.Select(p => p.Path), Is.Unique);
        });
    }

    [Test]
    [CancelAfter(10000)]
    public void Compare_SamePlans_ListsEveryRoleWithNoChange(CancellationToken cancellationToken)
    {
        var diffs = CapabilityProbes.Compare(FixturePlan(), FixturePlan());

        Assert.Multiple(() =>
        {
            Assert.That(diffs, Has.Count.EqualTo(6));
            Assert.That(diffs.Select(d => d.Role), Does.Contain("auth/kubernetes/role/webapp").And.Contain("auth/jwt/role/gitea_cicd_erp"));
            Assert.That(diffs, Has.All.Matches<TokenCapabilityDiff>(d => d.Diff.IsEmpty));
        });
    }

    [Test]
    [CancelAfter(10000)]
    public void Compare_RuntimePolicyWidenedToAllKvData_ShowsTheForeignPathsGained(CancellationToken cancellationToken)
    {
        var before = FixturePlan();
        var after = PlanWithOverlay(
            "apps:\n  - slug: webapp\n    policies:\n      runtime: wide.hcl\n",
            ("wide.hcl", File.ReadAllText(Path.Combine(TopologyWorkspace.RepoRoot, "fixtures/policies/app.hcl")) + "\npath \"kvv2/data/*\" { capabilities = [\"read\"] }\n"));

        var diffs = CapabilityProbes.Compare(before, after);

        var webapp = diffs.Single(d => d.Role == "auth/kubernetes/role/webapp");
        var gained = webapp.Diff.Changes.Where(c => c.Gained.Contains(Capability.Read)).Select(c => c.Path).ToArray();
        Assert.Multiple(() =>
        {
            Assert.That(gained, Does.Contain("kvv2/data/erp/config"));
            Assert.That(gained, Does.Contain("kvv2/data/sandbox-probe-other-app/config"));
            Assert.That(gained, Does.Not.Contain("kvv2/data/webapp/config"), "webapp could already read its own");
            Assert.That(diffs.Where(d => d.Role != webapp.Role), Has.All.Matches<TokenCapabilityDiff>(d => d.Diff.IsEmpty));
            Assert.That(CapabilityProbes.ForeignAccess(after, "webapp", ["webapp"]).Select(f => f.Probe.OwnerApp),
                Does.Contain("erp").And.Contain("url-shortener").And.Contain(CapabilityProbes.OtherApp));
        });
    }

    [Test]
    [CancelAfter(10000)]
    public void Compare_SingleAppTopologyWidened_IsCaughtByTheOtherAppProbe(CancellationToken cancellationToken)
    {
        _ws.Write("wide.hcl", "path \"kvv2/data/+/config\" { capabilities = [\"read\"] }\n");
        var basePath = _ws.Write("topology.yaml", TopologyWorkspace.Minimal());
        var before = TopologyPlan.From(TopologyLoader.Load(basePath));
        var after = TopologyPlan.From(TopologyLoader.Load(basePath, _ws.Write("o.yaml", "apps:\n  - slug: webapp\n    policies: { runtime: wide.hcl }\n")));

        var foreign = CapabilityProbes.ForeignAccess(after, "webapp", ["webapp"]);

        Assert.Multiple(() =>
        {
            Assert.That(CapabilityProbes.ForeignAccess(before, "webapp", ["webapp"]), Is.Empty);
            Assert.That(foreign.Select(f => f.Probe.Path), Does.Contain("kvv2/data/sandbox-probe-other-app/config"));
        });
    }

    [Test]
    [CancelAfter(10000)]
    public void Compare_SudoGranted_ShowsSudoGainedOnTheRootPath(CancellationToken cancellationToken)
    {
        var before = FixturePlan();
        var after = PlanWithOverlay(
            "apps:\n  - slug: erp\n    policies:\n      ops: ops-sudo.hcl\n",
            ("ops-sudo.hcl", File.ReadAllText(Path.Combine(TopologyWorkspace.RepoRoot, "fixtures/policies/app-ops.hcl")) + "\npath \"sys/auth/*\" { capabilities = [\"update\", \"sudo\"] }\n"));

        var erpOps = CapabilityProbes.Compare(before, after).Single(d => d.Role == "auth/jwt/role/gitea_cicd_erp");

        var change = erpOps.Diff.Changes.Single(c => c.Path == "sys/auth/jwt");
        Assert.That(change.Gained, Is.EqualTo(CapabilitySet.Of(Capability.Update, Capability.Sudo)));
    }

    [Test]
    [CancelAfter(10000)]
    public void Compare_NewApp_IsListedWithNoPoliciesBefore(CancellationToken cancellationToken)
    {
        var after = PlanWithOverlay("apps:\n  - slug: reports\n");

        var reports = CapabilityProbes.Compare(FixturePlan(), after).Single(d => d.Role == "auth/kubernetes/role/reports");

        Assert.Multiple(() =>
        {
            Assert.That(reports.PoliciesBefore, Is.Empty);
            Assert.That(reports.PoliciesAfter, Is.EqualTo(new[] { "reports" }));
            Assert.That(reports.Diff.Changes.Select(c => c.Path), Does.Contain("kvv2/data/reports/config"));
        });
    }
}
