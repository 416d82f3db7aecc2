using NUnit.Framework;
using Sandbox.Harness.Policies;

namespace Sandbox.Harness.Tests.Policies;

[TestFixture]
public sealed class PolicyDocumentParseTests
{
    [Test]
    [CancelAfter(5000)]
    public void Parse_HclWithAllCommentStyles_ReadsEveryRuleWithPosition(CancellationToken cancellationToken)
    {
        const string text = """
            # runtime policy
            // another comment
            /* a block
               comment */
            path "kvv2/data/app/*" {
              capabilities = ["read", "list"] # trailing
            }
            path "/postgres/creds/app" { capabilities = ["read"], }
            """;

        var policy = PolicyDocument.Parse(text, "app.hcl");

        Assert.That(policy.Rules, Has.Count.EqualTo(2));
        Assert.Multiple(() =>
        {
            Assert.That(policy.Rules[0].Path, Is.EqualTo("kvv2/data/app/*"));
            Assert.That(policy.Rules[0].Capabilities, Is.EqualTo(CapabilitySet.Of(Capability.Read, Capability.List)));
            Assert.That(policy.Rules[0].Kind, Is.EqualTo(PolicyRuleKind.Prefix));
            Assert.That(policy.Rules[0].Line, Is.EqualTo(5));
            Assert.That(policy.Rules[1].Path, Is.EqualTo("postgres/creds/app"), "a leading / is stripped as Vault does");
            Assert.That(policy.Rules[1].Kind, Is.EqualTo(PolicyRuleKind.Exact));
            Assert.That(policy.Rules[1].Line, Is.EqualTo(8));
        });
    }

    [Test]
    [CancelAfter(5000)]
    public void Parse_JsonForm_GivesSameRulesAsHcl(CancellationToken cancellationToken)
    {
        const string json = """
            {
              "path": {
                "kvv2/data/app/*": { "capabilities": ["read", "list"] },
                "transit/encrypt/app": { "capabilities": ["update"] }
              }
            }
            """;
        const string hcl = """
            path "kvv2/data/app/*" { capabilities = ["read", "list"] }
            path "transit/encrypt/app" { capabilities = ["update"] }
            """;

        var fromJson = PolicyDocument.Parse(json, "app.json");
        var fromHcl = PolicyDocument.Parse(hcl, "app.hcl");

        Assert.That(fromJson.MeansSameAs(fromHcl), Is.True);
        Assert.That(fromJson.Rules[1].Line, Is.EqualTo(4));
    }

    [Test]
    [CancelAfter(5000)]
    public void Parse_JsonArrayOfPathObjects_IsAccepted(CancellationToken cancellationToken)
    {
        const string json = """{"path":[{"a/*":{"capabilities":["read"]}},{"b":{"capabilities":["list"]}}]}""";

        var policy = PolicyDocument.Parse(json, "p.json");

        Assert.That(policy.Rules.Select(r => r.Path), Is.EqualTo(new[] { "a/*", "b" }));
    }

    [TestCase("deny", new[] { "deny" })]
    [TestCase("read", new[] { "list", "read" })]
    [TestCase("write", new[] { "create", "delete", "list", "read", "update" })]
    [TestCase("sudo", new[] { "create", "delete", "list", "read", "sudo", "update" })]
    [CancelAfter(5000)]
    public void Parse_LegacyPolicyShorthand_MapsToVaultsCapabilities(string legacy, string[] expected, CancellationToken cancellationToken)
    {
        var policy = PolicyDocument.Parse($"path \"secret/*\" {{ policy = \"{legacy}\" }}", "legacy.hcl");

        Assert.That(policy.Rules[0].Capabilities.Names, Is.EqualTo(expected));
    }

    [Test]
    [CancelAfter(5000)]
    public void Parse_DenyWithOtherCapabilities_KeepsDenyAlone(CancellationToken cancellationToken)
    {
        var policy = PolicyDocument.Parse("path \"a\" { capabilities = [\"read\", \"deny\", \"sudo\"] }", "p.hcl");

        Assert.That(policy.Rules[0].Capabilities, Is.EqualTo(CapabilitySet.Of(Capability.Deny)));
    }

    [Test]
    [CancelAfter(5000)]
    public void Parse_InvalidCapabilityAfterDeny_IsNotReported_AsInVault(CancellationToken cancellationToken)
    {
        var policy = PolicyDocument.Parse("path \"a\" { capabilities = [\"deny\", \"foo\"] }", "p.hcl");

        Assert.That(policy.Rules[0].Capabilities.IsDeny, Is.True);
    }

    [Test]
    [CancelAfter(5000)]
    public void Parse_ScanCapability_IsAccepted(CancellationToken cancellationToken)
    {
        var policy = PolicyDocument.Parse("path \"a/*\" { capabilities = [\"scan\", \"list\"] }", "p.hcl");

        Assert.That(policy.Rules[0].Capabilities.Contains(Capability.Scan | Capability.List), Is.True);
    }

    [Test]
    [CancelAfter(5000)]
    public void Parse_ParameterConstraints_AreAcceptedAndReportedAsUnevaluated(CancellationToken cancellationToken)
    {
        const string text = """
            path "a" {
              comment = "x"
              capabilities = ["update"]
              allowed_parameters = { "ttl" = ["1h", "2h"] }
              min_wrapping_ttl = "1s"
            }
            """;

        var policy = PolicyDocument.Parse(text, "p.hcl");

        Assert.That(policy.Rules[0].UnevaluatedKeys, Is.EqualTo(new[] { "allowed_parameters", "min_wrapping_ttl" }));
    }

    [Test]
    [CancelAfter(5000)]
    public void Parse_NameKey_IsRead(CancellationToken cancellationToken)
    {
        var policy = PolicyDocument.Parse("name = \"app\"\npath \"a\" { capabilities = [] }", "p.hcl");

        Assert.Multiple(() =>
        {
            Assert.That(policy.Name, Is.EqualTo("app"));
            Assert.That(policy.Rules[0].Capabilities.IsEmpty, Is.True);
        });
    }

    [Test]
    [CancelAfter(5000)]
    public void Parse_EmptyText_GivesNoRules(CancellationToken cancellationToken)
    {
        Assert.That(PolicyDocument.Parse("  # nothing\n", "empty.hcl").Rules, Is.Empty);
    }

    [Test]
    [CancelAfter(5000)]
    public void Parse_InvalidCapability_UsesVaultsWordingAndPosition(CancellationToken cancellationToken)
    {
        const string text = "path \"x\" {\n  capabilities = [\"read\", \"foo\"]\n}\n";

        var ex = Assert.Throws<PolicyParseException>(() => PolicyDocument.Parse(text, "bad.hcl"))!;

        Assert.Multiple(() =>
        {
            Assert.That(ex.VaultMessage, Is.EqualTo("failed to parse policy: path \"x\": invalid capability \"foo\""));
            Assert.That(ex.SourceName, Is.EqualTo("bad.hcl"));
            Assert.That(ex.Line, Is.EqualTo(2));
            Assert.That(ex.Column, Is.EqualTo(27));
            Assert.That(ex.Message, Does.StartWith("bad.hcl:2:27: failed to parse policy"));
            Assert.That(ex.Message, Does.Contain("Fix: use only create, read"));
            Assert.That(ex.ExitCode, Is.EqualTo(ExitCode.InvalidInput));
        });
    }

    [Test]
    [CancelAfter(5000)]
    public void Parse_PlusStar_IsForbiddenWithVaultsWording(CancellationToken cancellationToken)
    {
        var ex = Assert.Throws<PolicyParseException>(() =>
            PolicyDocument.Parse("\npath \"kvv2/data/+*\" { capabilities = [\"read\"] }", "bad.hcl"))!;

        Assert.Multiple(() =>
        {
            Assert.That(ex.VaultMessage, Is.EqualTo("failed to parse policy: path \"kvv2/data/+*\": invalid use of wildcards ('+*' is forbidden)"));
            Assert.That(ex.Line, Is.EqualTo(2));
        });
    }

    [Test]
    [CancelAfter(5000)]
    public void Parse_InvalidLegacyPolicy_IsRefused(CancellationToken cancellationToken)
    {
        var ex = Assert.Throws<PolicyParseException>(() => PolicyDocument.Parse("path \"a\" { policy = \"admin\" }", "bad.hcl"))!;

        Assert.That(ex.VaultMessage, Is.EqualTo("failed to parse policy: path \"a\": invalid policy \"admin\""));
    }

    [Test]
    [CancelAfter(5000)]
    public void Parse_UnknownTopLevelKey_NamesKeyAndLine(CancellationToken cancellationToken)
    {
        var ex = Assert.Throws<PolicyParseException>(() =>
            PolicyDocument.Parse("path \"a\" { capabilities = [\"read\"] }\n\npaths \"b\" { capabilities = [] }", "bad.hcl"))!;

        Assert.Multiple(() =>
        {
            Assert.That(ex.VaultMessage, Is.EqualTo("failed to parse policy: invalid key \"paths\" on line 3"));
            Assert.That(ex.Line, Is.EqualTo(3));
            Assert.That(ex.Fix, Does.Contain("name, path"));
        });
    }

    [Test]
    [CancelAfter(5000)]
    public void Parse_UnknownPathKey_NamesPathAndKey(CancellationToken cancellationToken)
    {
        var ex = Assert.Throws<PolicyParseException>(() =>
            PolicyDocument.Parse("path \"a\" {\n  capabilites = [\"read\"]\n}", "bad.hcl"))!;

        Assert.Multiple(() =>
        {
            Assert.That(ex.VaultMessage, Is.EqualTo("failed to parse policy: path \"a\": invalid key \"capabilites\" on line 2"));
            Assert.That((ex.Line, ex.Column), Is.EqualTo((2, 3)));
        });
    }

    [Test]
    [CancelAfter(5000)]
    public void Parse_CapabilitiesAsString_IsAWrongType(CancellationToken cancellationToken)
    {
        var ex = Assert.Throws<PolicyParseException>(() => PolicyDocument.Parse("path \"a\" { capabilities = \"read\" }", "bad.hcl"))!;

        Assert.That(ex.Message, Does.Contain("\"capabilities\" must be a list of strings"));
    }

    [TestCase("path \"a\" { capabilities = [\"read\"]", 1, 10, "expected '}'")]
    [TestCase("path \"a { capabilities = [] }", 1, 6, "unterminated string")]
    [TestCase("path \"a\" { capabilities = [\"read\" \"list\"] }", 1, 35, "expected ',' or ']'")]
    [TestCase("path \"a\" capabilities", 1, 22, "expected '=' or '{'")]
    [TestCase("path \"a\" { capabilities = [read] }", 1, 28, "bare word \"read\"")]
    [TestCase("/* never closed\npath \"a\" {}", 1, 1, "comment is not closed")]
    [TestCase("path \"a\" { capabilities = <<EOT\nread\nEOT\n}", 1, 27, "heredoc")]
    [TestCase("}", 1, 1, "unexpected '}'")]
    [CancelAfter(5000)]
    public void Parse_HclSyntaxError_NamesLineColumnAndProblem(string text, int line, int column, string problem, CancellationToken cancellationToken)
    {
        var ex = Assert.Throws<PolicyParseException>(() => PolicyDocument.Parse(text, "bad.hcl"))!;

        Assert.Multiple(() =>
        {
            Assert.That((ex.Line, ex.Column), Is.EqualTo((line, column)), ex.Message);
            Assert.That(ex.VaultMessage, Does.StartWith($"failed to parse policy: At {line}:{column}: "));
            Assert.That(ex.VaultMessage, Does.Contain(problem));
            Assert.That(ex.Fix, Is.Not.Empty);
        });
    }

    [Test]
    [CancelAfter(5000)]
    public void Parse_BrokenJson_NamesLine(CancellationToken cancellationToken)
    {
        const string json = "{\n  \"path\": {\n    \"a\": { \"capabilities\": [\"read\" }\n  }\n}";

        var ex = Assert.Throws<PolicyParseException>(() => PolicyDocument.Parse(json, "bad.json"))!;

        Assert.Multiple(() =>
        {
            Assert.That(ex.Line, Is.EqualTo(3));
            Assert.That(ex.VaultMessage, Does.Contain("invalid JSON"));
        });
    }

    [Test]
    [CancelAfter(5000)]
    public void Parse_JsonInvalidCapability_PointsAtTheValue(CancellationToken cancellationToken)
    {
        const string json = "{\n  \"path\": {\n    \"a\": {\n      \"capabilities\": [\"reed\"]\n    }\n  }\n}";

        var ex = Assert.Throws<PolicyParseException>(() => PolicyDocument.Parse(json, "bad.json"))!;

        Assert.Multiple(() =>
        {
            Assert.That(ex.VaultMessage, Is.EqualTo("failed to parse policy: path \"a\": invalid capability \"reed\""));
            Assert.That((ex.Line, ex.Column), Is.EqualTo((4, 24)));
        });
    }

    [Test]
    [CancelAfter(5000)]
    public void PolicyParseException_IsASandboxException(CancellationToken cancellationToken)
    {
        Assert.That(() => PolicyDocument.Parse("path", "x"), Throws.InstanceOf<SandboxException>());
    }
}
