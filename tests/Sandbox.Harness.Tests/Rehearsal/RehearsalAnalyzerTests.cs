using Microsoft.Extensions.Time.Testing;
using NUnit.Framework;
using Sandbox.Harness.Rehearsal;
using Sandbox.Harness.Reporting;
using Sandbox.Harness.Tests.Topology;

namespace Sandbox.Harness.Tests.Rehearsal;

[TestFixture]
public sealed class RehearsalAnalyzerTests
{
    private TopologyWorkspace _ws = null!;

    [SetUp]
    public void SetUp() => _ws = new TopologyWorkspace();

    [TearDown]
    public void TearDown() => _ws.Dispose();

    private RehearsalChange LoadOverlay(string yaml, string? hclName = null, string? hcl = null)
    {
        if (hclName is not null)
        {
            _ws.Write(hclName, hcl!);
        }

        var path = _ws.Write("change.yaml", yaml);
        return RehearsalChangeLoader.Load(new RehearsalRequest { TopologyPath = RehearsalFixtures.Topology, Changes = [path] }, RehearsalFixtures.Guard());
    }

    [Test]
    [CancelAfter(10000)]
    public void HarmlessChange_IsGo_AndListsTheNamesItAdds(CancellationToken cancellationToken)
    {
        var analysis = RehearsalAnalyzer.Analyze(RehearsalFixtures.Load("harmless.yaml"), NoGoRuleSet.Default);

        Assert.Multiple(() =>
        {
            Assert.That(analysis.Verdict, Is.EqualTo(RehearsalVerdict.Go), string.Join("\n", analysis.Reasons));
            Assert.That(analysis.NamesAdded, Is.SupersetOf(new[]
            {
                "auth/kubernetes/role/billing", "auth/jwt/role/gitea_cicd_billing", "sys/policies/acl/billing",
                "sys/policies/acl/billing-ops", "postgres/roles/billing", "transit/keys/billing", "postgresql role billing_role",
            }));
            Assert.That(analysis.NamesRemoved, Is.Empty);
            Assert.That(analysis.Violations, Is.Empty);
            Assert.That(analysis.CapabilityChanges.Where(c => c.Policy is "webapp" or "erp"), Is.Empty, "existing apps' tokens keep their capabilities");
            Assert.That(analysis.CapabilityChanges, Has.Some.Matches<PolicyCapabilityChange>(c => c.Policy == "billing" && c.Path == "kvv2/data/billing/config" && c.Gained.Contains("read")));
        });
    }

    [Test]
    [CancelAfter(10000)]
    public void WideningWebappToAllKvData_IsNoGo_NamingPolicyPathAndCapability(CancellationToken cancellationToken)
    {
        var analysis = RehearsalAnalyzer.Analyze(RehearsalFixtures.Load("widen-webapp.yaml"), NoGoRuleSet.Default);

        var violation = analysis.Violations.Single(v => v.RuleId == NoGoRuleSet.ForeignAccessRuleId);
        Assert.Multiple(() =>
        {
            Assert.That(analysis.Verdict, Is.EqualTo(RehearsalVerdict.NoGo));
            Assert.That(violation.Subject, Is.EqualTo("webapp"));
            Assert.That(violation.Path, Is.EqualTo("kvv2/data/*"));
            Assert.That(violation.Capability, Is.EqualTo("read"));
            Assert.That(violation.New, Is.True);
            Assert.That(analysis.Reasons.Single(), Does.Contain("policy webapp grants [read] on \"kvv2/data/*\"").And.Contain("kvv2/data/erp/config (erp)"));
            Assert.That(analysis.CapabilityChanges, Has.Some.Matches<PolicyCapabilityChange>(c =>
                c.Policy == "webapp" && c.Path == "kvv2/data/url-shortener/config" && c.Gained.SequenceEqual(new[] { "read" })));
        });
    }

    [Test]
    [CancelAfter(10000)]
    public void WideningThroughPolicyFiles_GivesTheSameVerdict(CancellationToken cancellationToken)
    {
        var analysis = RehearsalAnalyzer.Analyze(RehearsalFixtures.Load("widen-webapp-policies"), NoGoRuleSet.Default);

        Assert.Multiple(() =>
        {
            Assert.That(analysis.Verdict, Is.EqualTo(RehearsalVerdict.NoGo));
            Assert.That(analysis.Reasons.Single(), Does.Contain("\"kvv2/data/*\""));
        });
    }

    [Test]
    [CancelAfter(10000)]
    public void ShortTtl_BreaksTheLeaseExpiryExpectations_AndNamesTheScenario(CancellationToken cancellationToken)
    {
        var analysis = RehearsalAnalyzer.Analyze(RehearsalFixtures.Load("short-ttl.yaml"), NoGoRuleSet.Default);

        var violation = analysis.Violations.Single();
        Assert.Multiple(() =>
        {
            Assert.That(analysis.Verdict, Is.EqualTo(RehearsalVerdict.NoGo));
            Assert.That(violation.RuleId, Is.EqualTo(RehearsalAnalyzer.TtlRefreshRuleId));
            Assert.That(violation.Scenario, Is.EqualTo("lease-expiry"));
            Assert.That(violation.Path, Is.EqualTo("postgres/roles/webapp"));
            Assert.That(violation.Message, Does.StartWith("lease-expiry:").And.Contain("default_ttl 30s").And.Contain("≥ 60s"));
        });
    }

    [Test]
    [CancelAfter(10000)]
    public void DatabaseLeaseOutlivingTheKubernetesToken_IsNoGo(CancellationToken cancellationToken)
    {
        var change = LoadOverlay("apps:\n  - slug: erp\n    kubernetes:\n      tokenTtl: 10m\n      tokenMaxTtl: 15m\n");

        var analysis = RehearsalAnalyzer.Analyze(change, NoGoRuleSet.Default);

        Assert.Multiple(() =>
        {
            Assert.That(analysis.Verdict, Is.EqualTo(RehearsalVerdict.NoGo));
            Assert.That(analysis.Violations.Single().RuleId, Is.EqualTo(RehearsalAnalyzer.TtlTokenRuleId));
            Assert.That(analysis.Reasons.Single(), Does.Contain("default_ttl 1800s outlives the token_max_ttl 900s of auth/kubernetes/role/erp"));
        });
    }

    [Test]
    [CancelAfter(10000)]
    public void MountMaxLeaseTtlBelowARoleMax_IsNoGo(CancellationToken cancellationToken)
    {
        var change = LoadOverlay("mounts:\n  postgres:\n    maxLeaseTtl: 2h\n");

        var analysis = RehearsalAnalyzer.Analyze(change, NoGoRuleSet.Default);

        Assert.That(analysis.Violations.Select(v => (v.RuleId, v.Subject)), Is.EquivalentTo(new[]
        {
            (RehearsalAnalyzer.TtlMountRuleId, "webapp"), (RehearsalAnalyzer.TtlMountRuleId, "erp"), (RehearsalAnalyzer.TtlMountRuleId, "url-shortener"),
        }));
    }

    [Test]
    [CancelAfter(10000)]
    public void SudoForAnAppToken_IsNoGo(CancellationToken cancellationToken)
    {
        var change = LoadOverlay(
            "apps:\n  - slug: erp\n    policies:\n      runtime: erp.hcl\n",
            "erp.hcl",
            "path \"kvv2/data/{{app}}/*\" { capabilities = [\"read\"] }\npath \"sys/leases/revoke-prefix/postgres/creds/{{app}}\" { capabilities = [\"update\", \"sudo\"] }\n");

        var analysis = RehearsalAnalyzer.Analyze(change, NoGoRuleSet.Default);

        var violation = analysis.Violations.Single();
        Assert.Multiple(() =>
        {
            Assert.That(violation.RuleId, Is.EqualTo(NoGoRuleSet.SudoRuleId));
            Assert.That(violation.Subject, Is.EqualTo("erp"));
            Assert.That(violation.Path, Is.EqualTo("sys/leases/revoke-prefix/postgres/creds/erp"));
            Assert.That(violation.Capability, Is.EqualTo("sudo"));
        });
    }

    [Test]
    [CancelAfter(10000)]
    public void OpsTokenReachingAnotherApp_IsOnlyNoGoWhenTheRulesSaySo(CancellationToken cancellationToken)
    {
        var change = LoadOverlay(
            "apps:\n  - slug: erp\n    policies:\n      ops: erp-ops.hcl\n",
            "erp-ops.hcl",
            "path \"kvv2/data/+/config\" { capabilities = [\"create\", \"update\", \"read\"] }\n");
        var rules = NoGoRuleSet.Parse("foreignAccess: [\"<app>-ops\"]\n", "rules.yaml");

        var byDefault = RehearsalAnalyzer.Analyze(change, NoGoRuleSet.Default);
        var withRules = RehearsalAnalyzer.Analyze(change, rules);

        Assert.Multiple(() =>
        {
            Assert.That(byDefault.Verdict, Is.EqualTo(RehearsalVerdict.Go));
            Assert.That(byDefault.CapabilityChanges, Has.Some.Matches<PolicyCapabilityChange>(c => c.Policy == "erp-ops" && c.Path == "kvv2/data/webapp/config"));
            Assert.That(withRules.Verdict, Is.EqualTo(RehearsalVerdict.NoGo));
            Assert.That(withRules.Violations.Single().Subject, Is.EqualTo("erp-ops"));
            Assert.That(withRules.Violations.Single().Path, Is.EqualTo("kvv2/data/+/config"));
        });
    }

    [Test]
    [CancelAfter(10000)]
    public void UserRule_DenyingAWildcard_FiresOnTheWideningButNotOnTheBase(CancellationToken cancellationToken)
    {
        var rules = NoGoRuleSet.Parse("deny:\n  - policy: \"<app>\"\n    path: \"kvv2/data/*\"\n    capability: read\n    reason: pods read only their own config\n", "rules.yaml");

        var widened = RehearsalAnalyzer.Analyze(RehearsalFixtures.Load("widen-webapp.yaml"), rules);
        var harmless = RehearsalAnalyzer.Analyze(RehearsalFixtures.Load("harmless.yaml"), rules);

        Assert.Multiple(() =>
        {
            Assert.That(widened.Violations.Select(v => v.RuleId), Is.EquivalentTo(new[] { NoGoRuleSet.ForeignAccessRuleId, "rules.yaml#1" }));
            Assert.That(widened.Reasons, Has.Some.Contains("rule rules.yaml#1").And.Some.Contains("pods read only their own config"));
            Assert.That(harmless.Verdict, Is.EqualTo(RehearsalVerdict.Go), "an app's own kvv2/data/<app>/* grant is not a grant on every name");
        });
    }

    [Test]
    [CancelAfter(10000)]
    public void ViolationAlreadyInTheBase_IsANoteNotANoGo(CancellationToken cancellationToken)
    {
        var wideBase = _ws.Write("wide-base.yaml", File.ReadAllText(RehearsalFixtures.Topology)
            .Replace("runtime: policies/app.hcl", "runtime: policies/wide.hcl", StringComparison.Ordinal));
        _ws.Write("policies/wide.hcl", "path \"kvv2/data/*\" { capabilities = [\"read\"] }\npath \"postgres/creds/{{app}}\" { capabilities = [\"read\"] }\n");
        var overlay = _ws.Write("c.yaml", "apps:\n  - slug: erp\n    kv:\n      config:\n        LOG_LEVEL: debug\n");

        var change = RehearsalChangeLoader.Load(new RehearsalRequest { TopologyPath = wideBase, Changes = [overlay] }, RehearsalFixtures.Guard());
        var analysis = RehearsalAnalyzer.Analyze(change, NoGoRuleSet.Default);

        Assert.Multiple(() =>
        {
            Assert.That(analysis.BaselineViolations, Is.Not.Empty);
            Assert.That(analysis.Violations.All(v => !v.New), Is.True);
            Assert.That(analysis.Verdict, Is.EqualTo(RehearsalVerdict.Go));
            Assert.That(analysis.Notes, Has.All.StartWith("already in the base topology:"));
        });
    }

    [Test]
    [CancelAfter(10000)]
    public void RemovingAnApp_ListsItsNamesAsRemoved_AndItsCapabilitiesAsLost(CancellationToken cancellationToken)
    {
        var change = LoadOverlay("apps:\n  - slug: url-shortener\n    remove: true\n");

        var analysis = RehearsalAnalyzer.Analyze(change, NoGoRuleSet.Default);

        Assert.Multiple(() =>
        {
            Assert.That(analysis.NamesRemoved, Does.Contain("auth/kubernetes/role/url-shortener").And.Contain("sys/policies/acl/url-shortener-ops"));
            Assert.That(analysis.CapabilityChanges, Has.Some.Matches<PolicyCapabilityChange>(c => c.Policy == "url-shortener" && c.Lost.Contains("read")));
            Assert.That(analysis.Verdict, Is.EqualTo(RehearsalVerdict.Go));
        });
    }

    [Test]
    [CancelAfter(10000)]
    public void StaticChecks_BecomeScenarioResults_OnePerRule(CancellationToken cancellationToken)
    {
        var analysis = RehearsalAnalyzer.Analyze(RehearsalFixtures.Load("short-ttl.yaml"), NoGoRuleSet.Default);
        var clock = new FakeTimeProvider(DateTimeOffset.Parse("2026-11-28T10:00:00Z", System.Globalization.CultureInfo.InvariantCulture));

        var before = RehearsalAnalyzer.ToScenarioResults(analysis.BaselineViolations, analysis.RulesChecked, clock);
        var after = RehearsalAnalyzer.ToScenarioResults(analysis.Violations, analysis.RulesChecked, clock);

        Assert.Multiple(() =>
        {
            Assert.That(after.Select(r => r.Name), Is.EqualTo(analysis.RulesChecked.Select(id => "static/" + id)));
            Assert.That(before.All(r => r.Passed), Is.True);
            Assert.That(RehearsalDiff.FindScenarioRegressions(before, after), Is.EqualTo(new[] { "static/" + RehearsalAnalyzer.TtlRefreshRuleId }));
        });
    }
}
