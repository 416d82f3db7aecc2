using NUnit.Framework;
using Sandbox.Harness.Policies;

namespace Sandbox.Harness.Tests.Policies;

/// <summary>
/// The outcomes Vault's own ACL tests expect (hashicorp/vault vault/acl_test.go: a single
/// policy, two layered policies, sys/capabilities answers), restated here over equivalent
/// policies: legacy shorthands, <c>deny</c> layering, segment wildcards and globs together.
/// "sudo" is what Vault calls RootPrivs: the selected rule carries sudo.
/// </summary>
[TestFixture]
public sealed class AclVaultBehaviourTests
{
    private const string First = """
        name = "first"
        path "dev/*"              { policy = "sudo" }
        path "stage/*"            { policy = "write" }
        path "stage/aws/*"        {
          policy = "read"
          capabilities = ["update", "sudo"]
        }
        path "stage/aws/policy/*" { policy = "sudo" }
        path "prod/*"             { policy = "read" }
        path "prod/aws/*"         { policy = "deny" }
        path "sys/*"              { policy = "deny" }
        path "foo/bar"            { capabilities = ["read", "create", "sudo"] }
        path "baz/quux"           { capabilities = ["read", "create", "patch"] }
        path "test/+/segment"                { capabilities = ["read"] }
        path "+/segment/at/front"            { capabilities = ["read"] }
        path "test/segment/at/end/+"         { capabilities = ["read"] }
        path "test/segment/at/end/v2/+/"     { capabilities = ["read"] }
        path "test/+/wildcard/+/*"           { capabilities = ["read"] }
        path "test/+/wildcardglob/+/end*"    { capabilities = ["read"] }
        path "1/2/*"   { capabilities = ["create"] }
        path "1/2/+"   { capabilities = ["read"] }
        path "1/2/+/+" { capabilities = ["update", "recover"] }
        """;

    private const string Second = """
        name = "second"
        path "dev/hide/*" { policy = "deny" }
        path "stage/aws/policy/*" {
          policy = "deny"
          capabilities = ["read", "update", "sudo"]   # no effect: the legacy deny replaces them
        }
        path "prod/*"   { policy = "write" }
        path "sys/seal" { policy = "sudo" }
        path "foo/bar"  { capabilities = ["deny"] }
        path "baz/quux" { capabilities = ["deny"] }
        """;

    private static (bool Allowed, bool Sudo) Evaluate(Acl acl, Capability capability, string path)
    {
        var rule = acl.FindRule(path, listOperation: capability == Capability.List);
        var sudo = rule is not null && !rule.Capabilities.IsDeny && rule.Capabilities.Contains(Capability.Sudo);
        return (acl.Allows(path, capability), sudo);
    }

    [TestCase(Capability.Read, "root", false, false)]
    [TestCase(Capability.Read, "dev/foo", true, true)]
    [TestCase(Capability.Update, "dev/foo", true, true)]
    [TestCase(Capability.Delete, "stage/foo", true, false)]
    [TestCase(Capability.List, "stage/aws/foo", true, true)]
    [TestCase(Capability.Update, "stage/aws/foo", true, true)]
    [TestCase(Capability.Update, "stage/aws/policy/foo", true, true)]
    [TestCase(Capability.Delete, "prod/foo", false, false)]
    [TestCase(Capability.Update, "prod/foo", false, false)]
    [TestCase(Capability.Read, "prod/foo", true, false)]
    [TestCase(Capability.List, "prod/foo", true, false)]
    [TestCase(Capability.Read, "prod/aws/foo", false, false)]
    [TestCase(Capability.Read, "foo/bar", true, true)]
    [TestCase(Capability.List, "foo/bar", false, true)]
    [TestCase(Capability.Update, "foo/bar", false, true)]
    [TestCase(Capability.Create, "foo/bar", true, true)]
    [TestCase(Capability.Read, "baz/quux", true, false)]
    [TestCase(Capability.Create, "baz/quux", true, false)]
    [TestCase(Capability.Patch, "baz/quux", true, false)]
    [TestCase(Capability.List, "baz/quux", false, false)]
    [TestCase(Capability.Update, "baz/quux", false, false)]
    [TestCase(Capability.Read, "test/foo/bar/segment", false, false)]
    [TestCase(Capability.Read, "test/foo/segment", true, false)]
    [TestCase(Capability.Read, "test/bar/segment", true, false)]
    [TestCase(Capability.Read, "test/segment/at/frond", false, false)]
    [TestCase(Capability.Read, "test/segment/at/front", true, false)]
    [TestCase(Capability.Read, "test/segment/at/end/foo", true, false)]
    [TestCase(Capability.Read, "test/segment/at/end/foo/", false, false)]
    [TestCase(Capability.Read, "test/segment/at/end/v2/foo/", true, false)]
    [TestCase(Capability.Read, "test/segment/wildcard/at/foo/", true, false)]
    [TestCase(Capability.Read, "test/segment/wildcard/at/end", true, false)]
    [TestCase(Capability.Read, "test/segment/wildcard/at/end/", true, false)]
    [TestCase(Capability.Read, "1/2/3/4", false, false)]
    [TestCase(Capability.Read, "1/2/3", true, false)]
    [TestCase(Capability.Update, "1/2/3", false, false)]
    [TestCase(Capability.Update, "1/2/3/4", true, false)]
    [TestCase(Capability.Create, "1/2/3/4/5", true, false)]
    [TestCase(Capability.Recover, "1/2/3/4", true, false)]
    [CancelAfter(5000)]
    // Capability is internal to the library and a test method is public: it arrives as object.
    public void SinglePolicy_MatchesVaultsOutcome(object requested, string path, bool allowed, bool sudo, CancellationToken cancellationToken)
    {
        var capability = (Capability)requested;
        var acl = Acl.Create(PolicyDocument.Parse(First, "first.hcl"));

        Assert.That(Evaluate(acl, capability, path), Is.EqualTo((allowed, sudo)));
    }

    [TestCase(Capability.Read, "root", false, false)]
    [TestCase(Capability.Read, "dev/foo", true, true)]
    [TestCase(Capability.Update, "dev/foo", true, true)]
    [TestCase(Capability.Read, "dev/hide/foo", false, false)]
    [TestCase(Capability.Update, "dev/hide/foo", false, false)]
    [TestCase(Capability.Delete, "stage/foo", true, false)]
    [TestCase(Capability.List, "stage/aws/foo", true, true)]
    [TestCase(Capability.Update, "stage/aws/foo", true, true)]
    [TestCase(Capability.Update, "stage/aws/policy/foo", false, false)]
    [TestCase(Capability.Delete, "prod/foo", true, false)]
    [TestCase(Capability.Update, "prod/foo", true, false)]
    [TestCase(Capability.Read, "prod/foo", true, false)]
    [TestCase(Capability.List, "prod/foo", true, false)]
    [TestCase(Capability.Read, "prod/aws/foo", false, false)]
    [TestCase(Capability.Read, "sys/status", false, false)]
    [TestCase(Capability.Update, "sys/seal", true, true)]
    [TestCase(Capability.Read, "foo/bar", false, false)]
    [TestCase(Capability.List, "foo/bar", false, false)]
    [TestCase(Capability.Update, "foo/bar", false, false)]
    [TestCase(Capability.Create, "foo/bar", false, false)]
    [TestCase(Capability.Read, "baz/quux", false, false)]
    [TestCase(Capability.List, "baz/quux", false, false)]
    [TestCase(Capability.Update, "baz/quux", false, false)]
    [TestCase(Capability.Create, "baz/quux", false, false)]
    [TestCase(Capability.Patch, "baz/quux", false, false)]
    [CancelAfter(5000)]
    public void LayeredPolicies_MatchVaultsOutcome(object requested, string path, bool allowed, bool sudo, CancellationToken cancellationToken)
    {
        var capability = (Capability)requested;
        var acl = Acl.Create(PolicyDocument.Parse(First, "first.hcl"), PolicyDocument.Parse(Second, "second.hcl"));

        Assert.That(Evaluate(acl, capability, path), Is.EqualTo((allowed, sudo)));
    }

    [TestCase("dev", new[] { "deny" })]
    [TestCase("dev/", new[] { "create", "delete", "list", "read", "sudo", "update" })]
    [TestCase("stage/aws/test", new[] { "list", "read", "sudo", "update" })]
    [CancelAfter(5000)]
    public void Capabilities_MatchVaultsSysCapabilitiesAnswer(string path, string[] expected, CancellationToken cancellationToken)
    {
        var acl = Acl.Create(PolicyDocument.Parse(First, "first.hcl"));

        Assert.That(acl.Capabilities(path).ToVaultList(), Is.EquivalentTo(expected));
    }

    [Test]
    [CancelAfter(5000)]
    public void DenyInOnePolicy_BeatsUpdateInAnother_OnTheSamePath(CancellationToken cancellationToken)
    {
        var granting = PolicyDocument.Parse("path \"kv/deny\" { capabilities = [\"deny\"] }\npath \"kv/path/*\" { capabilities = [\"read\"] }\npath \"kv/path/longer\" { capabilities = [\"update\", \"read\"] }", "a.hcl");
        var merged = PolicyDocument.Parse("path \"kv/deny\" { capabilities = [\"update\"] }\npath \"kv/path/longer\" { capabilities = [\"read\"] }", "b.hcl");

        var acl = Acl.Create(granting, merged);

        Assert.Multiple(() =>
        {
            Assert.That(acl.Allows("kv/deny", Capability.Read), Is.False);
            Assert.That(acl.Allows("kv/deny", Capability.Update), Is.False);
            Assert.That(acl.Allows("kv/path/longer", Capability.Update), Is.True);
            Assert.That(acl.Allows("kv/path/foo", Capability.Read), Is.True);
        });
    }

    [Test]
    [CancelAfter(5000)]
    public void MalformedPolicy_NameBlock_IsRefused(CancellationToken cancellationToken)
    {
        Assert.That(() => PolicyDocument.Parse("name{}", "bad.hcl"), Throws.InstanceOf<PolicyParseException>());
    }
}
