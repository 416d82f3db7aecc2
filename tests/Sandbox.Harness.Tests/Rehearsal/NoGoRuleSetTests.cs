using NUnit.Framework;
using Sandbox.Harness.Policies;
using Sandbox.Harness.Rehearsal;

namespace Sandbox.Harness.Tests.Rehearsal;

[TestFixture]
public sealed class NoGoRuleSetTests
{
    [Test]
    [CancelAfter(5000)]
    public void Defaults_ForbidForeignAccessAndSudoForAppTokens(CancellationToken cancellationToken)
    {
        Assert.Multiple(() =>
        {
            Assert.That(NoGoRuleSet.Default.ForeignAccess, Is.EqualTo(new[] { "<app>" }));
            Assert.That(NoGoRuleSet.Default.Deny.Single().Capabilities, Is.EqualTo(CapabilitySet.Of(Capability.Sudo)));
            Assert.That(NoGoRuleSet.Default.Ttl.RefreshBudget.Seconds, Is.EqualTo(20));
        });
    }

    [Test]
    [CancelAfter(5000)]
    public void RulesFile_AddsToTheDefaults(CancellationToken cancellationToken)
    {
        var rules = NoGoRuleSet.Parse("""
            deny:
              - { policy: "<app>", path: "kvv2/data/*", capability: read }
              - policy: "*"
                capability: [sudo, delete]
            foreignAccess: ["<app>-ops"]
            ttl:
              refreshBudget: 30s
            """, "rules.yaml");

        Assert.Multiple(() =>
        {
            Assert.That(rules.Deny.Select(r => r.Id), Is.EqualTo(new[] { NoGoRuleSet.SudoRuleId, "rules.yaml#1", "rules.yaml#2" }));
            Assert.That(rules.Deny[2].Capabilities, Is.EqualTo(CapabilitySet.Of(Capability.Sudo, Capability.Delete)));
            Assert.That(rules.Deny[1].Location!.Line, Is.EqualTo(2));
            Assert.That(rules.ForeignAccess, Is.EqualTo(new[] { "<app>", "<app>-ops" }));
            Assert.That(rules.Ttl.RefreshBudget.Seconds, Is.EqualTo(30));
        });
    }

    [TestCase("deny:\n  - { policy: \"<app>\", capability: fly }\n", 2, "\"fly\" is not a capability")]
    [TestCase("deny:\n  - { policy: \"<app>\", capability: deny }\n", 2, "\"deny\" is not a capability")]
    [TestCase("deny:\n  - { policy: \"<app>\", path: \"kvv2/+*\", capability: read }\n", 2, "'+*'")]
    [TestCase("deny:\n  - { policy: \"<app>\", path: \"kvv2/*/x\", capability: read }\n", 2, "'*' that does not end it")]
    [TestCase("deny:\n  - { policy: shared, path: \"kvv2/data/<app>/*\", capability: read }\n", 2, "uses <app>")]
    [TestCase("deny:\n  - { path: \"x\", capability: read }\n", 2, "has no \"policy\"")]
    [TestCase("deny:\n  - { policy: \"<app>\" }\n", 2, "has no \"capability\"")]
    [TestCase("deny:\n  - { policy: \"<app>\", capabilty: read }\n", 2, "unknown key \"capabilty\"")]
    [TestCase("forbid: []\n", 1, "unknown key \"forbid\"")]
    [TestCase("foreignAccess: [admin]\n", 1, "foreignAccess names \"admin\"")]
    [TestCase("ttl:\n  refreshBudget: soon\n", 2, "not a positive duration")]
    [TestCase("deny: [ { policy: x\n", 2, "invalid YAML")]
    [TestCase("", 0, "empty")]
    [CancelAfter(5000)]
    public void BadRulesFile_NamesTheLineAndTheProblem(string yaml, int line, string problem, CancellationToken cancellationToken)
    {
        var ex = Assert.Throws<RehearsalChangeException>(() => NoGoRuleSet.Parse(yaml, "rules.yaml"))!;

        Assert.Multiple(() =>
        {
            Assert.That(ex.File, Is.EqualTo("rules.yaml"));
            Assert.That(ex.Line, Is.EqualTo(line));
            Assert.That(ex.Problem, Does.Contain(problem));
            Assert.That(ex.Fix, Is.Not.Empty);
        });
    }
}
