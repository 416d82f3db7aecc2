using NUnit.Framework;
using Sandbox.Harness.Policies;

namespace Sandbox.Harness.Tests.Policies;

[TestFixture]
public sealed class PolicyNormalizationTests
{
    [Test]
    [CancelAfter(5000)]
    public void Normalize_ReorderedDuplicatedAndCommented_MeansTheSame(CancellationToken cancellationToken)
    {
        var a = PolicyDocument.Parse("""
            path "b" { capabilities = ["list", "read"] }
            path "a/*" { capabilities = ["update"] }
            """, "a.hcl");
        var b = PolicyDocument.Parse("""
            # same meaning, different text
            path "/a/*" {
              capabilities = ["update", "update"]
            }
            path "b" { capabilities = ["read"] }
            path "b" { capabilities = ["list"] }
            """, "b.hcl");

        Assert.Multiple(() =>
        {
            Assert.That(a.MeansSameAs(b), Is.True);
            Assert.That(a.Normalize().Text, Is.EqualTo(b.Normalize().Text));
            Assert.That(PolicyDiff.Compare(a, b).IsEmpty, Is.True);
        });
    }

    [Test]
    [CancelAfter(5000)]
    public void Normalize_GivesCanonicalSortedHcl(CancellationToken cancellationToken)
    {
        var policy = PolicyDocument.Parse("""
            path "z" { capabilities = ["update", "read"] }
            path "a" { capabilities = ["read"] }
            path "a" { capabilities = ["deny"] }
            path "m" { capabilities = [] }
            """, "p.hcl");

        var text = policy.Normalize().Text;

        Assert.That(text, Is.EqualTo(
            "path \"a\" { capabilities = [\"deny\"] }\n" +
            "path \"m\" { capabilities = [] }\n" +
            "path \"z\" { capabilities = [\"read\", \"update\"] }\n"));
    }

    [Test]
    [CancelAfter(5000)]
    public void Normalize_TextParsesBackToTheSameMeaning(CancellationToken cancellationToken)
    {
        var policy = PolicyDocument.Parse("""{"path":{"x/+/y":{"capabilities":["sudo","read"]},"k/*":{"policy":"write"}}}""", "p.json");

        var roundTrip = PolicyDocument.Parse(policy.Normalize().Text, "canonical.hcl");

        Assert.That(roundTrip.MeansSameAs(policy), Is.True);
    }

    [Test]
    [CancelAfter(5000)]
    public void Normalize_DifferentMeaning_IsNotTheSame(CancellationToken cancellationToken)
    {
        var a = PolicyDocument.Parse("path \"a/*\" { capabilities = [\"read\"] }", "a.hcl");
        var b = PolicyDocument.Parse("path \"a*\" { capabilities = [\"read\"] }", "b.hcl");

        Assert.That(a.MeansSameAs(b), Is.False);
    }

    [Test]
    [CancelAfter(5000)]
    public void PolicyDiff_ReportsGainedLostAddedAndRemovedPerPath(CancellationToken cancellationToken)
    {
        var before = PolicyDocument.Parse("""
            path "kvv2/data/app/*" { capabilities = ["read", "list"] }
            path "postgres/creds/app" { capabilities = ["read"] }
            path "transit/encrypt/app" { capabilities = ["update"] }
            """, "before.hcl");
        var after = PolicyDocument.Parse("""
            path "kvv2/data/app/*" { capabilities = ["read", "update"] }
            path "postgres/creds/app" { capabilities = ["read"] }
            path "kvv2/data/*" { capabilities = ["read"] }
            """, "after.hcl");

        var diff = PolicyDiff.Compare(before, after);

        Assert.That(diff.Changes.Select(c => (c.Path, c.Kind)), Is.EqualTo(new[]
        {
            ("kvv2/data/*", PathChangeKind.Added),
            ("kvv2/data/app/*", PathChangeKind.Changed),
            ("transit/encrypt/app", PathChangeKind.Removed),
        }));
        Assert.Multiple(() =>
        {
            Assert.That(diff.Changes[0].Gained, Is.EqualTo(CapabilitySet.Of(Capability.Read)));
            Assert.That(diff.Changes[1].Gained, Is.EqualTo(CapabilitySet.Of(Capability.Update)));
            Assert.That(diff.Changes[1].Lost, Is.EqualTo(CapabilitySet.Of(Capability.List)));
            Assert.That(diff.Changes[2].Lost, Is.EqualTo(CapabilitySet.Of(Capability.Update)));
            Assert.That(diff.ToString(), Does.Contain("~ path \"kvv2/data/app/*\" gained [update] lost [list]"));
            Assert.That(diff.ToString(), Does.Contain("+ path \"kvv2/data/*\" gained [read]"));
            Assert.That(diff.ToString(), Does.Contain("- path \"transit/encrypt/app\" lost [update]"));
        });
    }

    [Test]
    [CancelAfter(5000)]
    public void EffectiveDiff_BroaderRuleThatDoesNotWin_ShowsNoChangeOnOwnPaths_ButGainsOnOthers(CancellationToken cancellationToken)
    {
        var before = Acl.Create(PolicyDocument.Parse("path \"kvv2/data/app/*\" { capabilities = [\"read\"] }", "before.hcl"));
        var after = Acl.Create(PolicyDocument.Parse("""
            path "kvv2/data/app/*" { capabilities = ["read"] }
            path "kvv2/data/*" { capabilities = ["read", "list"] }
            """, "after.hcl"));
        string[] probes = ["kvv2/data/app/config", "kvv2/data/other/config", "postgres/creds/other"];

        var diff = EffectiveCapabilityDiff.Compare(before, after, probes);

        Assert.That(diff.Changes, Has.Count.EqualTo(1));
        Assert.Multiple(() =>
        {
            Assert.That(diff.Changes[0].Path, Is.EqualTo("kvv2/data/other/config"));
            Assert.That(diff.Changes[0].Gained, Is.EqualTo(CapabilitySet.Of(Capability.Read, Capability.List)));
            Assert.That(diff.Changes[0].Lost.IsEmpty, Is.True);
            Assert.That(diff.ToString(), Does.Contain("kvv2/data/other/config: [] -> [list, read] (gained [list, read])"));
        });
    }

    [Test]
    [CancelAfter(5000)]
    public void EffectiveDiff_DenyAndNothingAreTheSame_ButLosingAccessIsReported(CancellationToken cancellationToken)
    {
        var before = Acl.Create(PolicyDocument.Parse("path \"a/*\" { capabilities = [\"read\"] }\npath \"b\" { capabilities = [\"deny\"] }", "before.hcl"));
        var after = Acl.Create(PolicyDocument.Parse("path \"a/*\" { capabilities = [\"deny\"] }", "after.hcl"));

        var diff = EffectiveCapabilityDiff.Compare(before, after, ["a/x", "b", "a/x"]);

        Assert.That(diff.Changes, Has.Count.EqualTo(1));
        Assert.That(diff.Changes[0].Lost, Is.EqualTo(CapabilitySet.Of(Capability.Read)));
    }

    [Test]
    [CancelAfter(5000)]
    public void EffectiveDiff_SameAcls_IsEmpty(CancellationToken cancellationToken)
    {
        var p = PolicyDocument.Parse("path \"a/*\" { capabilities = [\"read\"] }", "p.hcl");

        var diff = EffectiveCapabilityDiff.Compare(Acl.Create(p), Acl.Create(p), ["a/x", "b"]);

        Assert.Multiple(() =>
        {
            Assert.That(diff.IsEmpty, Is.True);
            Assert.That(diff.ToString(), Is.EqualTo("no change"));
        });
    }

    [Test]
    [CancelAfter(5000)]
    public void CapabilitySet_ParseAndNames_RoundTrip(CancellationToken cancellationToken)
    {
        var set = CapabilitySet.Parse(["update", "read", "read", "sudo"]);

        Assert.Multiple(() =>
        {
            Assert.That(set.Names, Is.EqualTo(new[] { "read", "sudo", "update" }));
            Assert.That(set.ToString(), Is.EqualTo("[read, sudo, update]"));
            Assert.That(() => CapabilitySet.Parse(["root"]), Throws.ArgumentException.With.Message.Contains("invalid capability \"root\""));
            Assert.That(set.Merge(CapabilitySet.Of(Capability.Deny)), Is.EqualTo(CapabilitySet.Of(Capability.Deny)));
        });
    }
}
