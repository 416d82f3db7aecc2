using NUnit.Framework;
using Sandbox.Harness.Policies;

namespace Sandbox.Harness.Tests.Policies;

/// <summary>
/// Rule selection and merging as vault-api.md §5 and Vault's acl.go describe them. Each case
/// names the pattern that must win and the capabilities that must result.
/// </summary>
[TestFixture]
public sealed class AclPrecedenceTests
{
    private static Acl AclOf(params string[] policies) =>
        new(policies.Select((p, i) => PolicyDocument.Parse(p, $"p{i}.hcl")));

    private static string Rule(string path, params string[] caps) =>
        $"path \"{path}\" {{ capabilities = [{string.Join(", ", caps.Select(c => "\"" + c + "\""))}] }}\n";

    public static IEnumerable<TestCaseData> WinnerCases()
    {
        // Exact always wins over any glob or + rule.
        yield return new TestCaseData(new[] { "secret/app/config", "secret/app/*", "secret/+/config" }, "secret/app/config", "secret/app/config")
            .SetName("Exact_BeatsPrefixAndSegment");
        // Plain globs: longest prefix.
        yield return new TestCaseData(new[] { "secret/*", "secret/app/*", "secret/ap*" }, "secret/app/config", "secret/app/*")
            .SetName("PlainGlobs_LongestPrefixWins");
        // Later first wildcard wins: foo/a* over foo/+ (acl.go's own example).
        yield return new TestCaseData(new[] { "foo/+", "foo/a*" }, "foo/abc", "foo/a*")
            .SetName("LaterFirstWildcard_PrefixBeatsEarlierPlus");
        // Later first wildcard wins: foo/bar/+/baz over foo/+/bar/baz.
        yield return new TestCaseData(new[] { "foo/+/bar/baz", "foo/bar/+/baz" }, "foo/bar/bar/baz", "foo/bar/+/baz")
            .SetName("LaterFirstWildcard_BetweenSegmentRules");
        // Same first-wildcard position: non-prefix beats prefix: foo/+ over foo/*.
        yield return new TestCaseData(new[] { "foo/*", "foo/+" }, "foo/x", "foo/+")
            .SetName("SamePosition_NonPrefixBeatsPrefix_PlusOverStar");
        // foo/+/bar over foo/+/ba*.
        yield return new TestCaseData(new[] { "foo/+/ba*", "foo/+/bar" }, "foo/x/bar", "foo/+/bar")
            .SetName("SamePosition_NonPrefixBeatsPrefix_SegmentRules");
        // Fewer + segments: foo/+/bar/baz over foo/+/+/baz.
        yield return new TestCaseData(new[] { "foo/+/+/baz", "foo/+/bar/baz" }, "foo/x/bar/baz", "foo/+/bar/baz")
            .SetName("FewerPlusSegmentsWin");
        // Longer pattern: foo/+/bar/ba* over foo/+/bar/b*.
        yield return new TestCaseData(new[] { "foo/+/bar/b*", "foo/+/bar/ba*" }, "foo/x/bar/baz", "foo/+/bar/ba*")
            .SetName("LongerPatternWins");
        // The prefix rule still wins when its glob comes later than the first +.
        yield return new TestCaseData(new[] { "kvv2/+/app/*", "kvv2/data/app/*" }, "kvv2/data/app/config", "kvv2/data/app/*")
            .SetName("PrefixWithLaterGlob_BeatsEarlierPlus");
        // A segment rule whose + comes after the prefix rule's glob wins.
        yield return new TestCaseData(new[] { "kvv2/*", "kvv2/data/+/config" }, "kvv2/data/app/config", "kvv2/data/+/config")
            .SetName("SegmentRuleWithLaterPlus_BeatsShortPrefix");
        // + with a trailing glob matches deeper paths.
        yield return new TestCaseData(new[] { "kvv2/data/+/conf*" }, "kvv2/data/app/config/extra", "kvv2/data/+/conf*")
            .SetName("PlusWithTrailingGlob_MatchesDeeperPaths");
        // + matches an empty segment, as in Vault.
        yield return new TestCaseData(new[] { "a/+/c" }, "a//c", "a/+/c")
            .SetName("Plus_MatchesEmptySegment");
        // A whole-pattern "+" is a segment rule matching one-segment paths.
        yield return new TestCaseData(new[] { "+" }, "anything", "+")
            .SetName("LonePlus_MatchesOneSegment");
        // A '*' in the middle is a literal character, so only the literal path matches the exact rule.
        yield return new TestCaseData(new[] { "secret/*/config", "secret/*" }, "secret/*/config", "secret/*/config")
            .SetName("StarInTheMiddle_IsLiteral_ExactMatch");
        yield return new TestCaseData(new[] { "secret/*/config", "secret/*" }, "secret/app/config", "secret/*")
            .SetName("StarInTheMiddle_DoesNotGlob");
        // Leading slashes in the request path are ignored.
        yield return new TestCaseData(new[] { "secret/app" }, "//secret/app", "secret/app")
            .SetName("LeadingSlashesInRequest_AreIgnored");
    }

    [TestCaseSource(nameof(WinnerCases))]
    [CancelAfter(5000)]
    public void FindRule_SelectsTheHighestPriorityRule(string[] patterns, string requestPath, string expectedPattern, CancellationToken cancellationToken)
    {
        // Give every rule a distinct capability set so the winner is visible in the result too.
        var caps = new[] { "read", "list", "update", "create", "delete", "patch" };
        var policy = string.Concat(patterns.Select((p, i) => Rule(p, caps[i])));
        var acl = AclOf(policy);

        var match = acl.FindRule(requestPath);

        Assert.That(match, Is.Not.Null);
        Assert.Multiple(() =>
        {
            Assert.That(match!.Pattern, Is.EqualTo(expectedPattern));
            var index = Array.IndexOf(patterns, expectedPattern);
            Assert.That(acl.Capabilities(requestPath).Names, Is.EqualTo(new[] { caps[index] }));
        });
    }

    [TestCase("kvv2/data/+/config", "kvv2/data/a/b/config")]
    [TestCase("kvv2/data/+/config", "kvv2/data/config")]
    [TestCase("kvv2/data/+", "kvv2/data/app/config")]
    [TestCase("kvv2/data/+/*", "kvv2/data/app")]
    [TestCase("secret/app", "secret/app/x")]
    [TestCase("secret/app/*", "secret/ap")]
    [TestCase("secret/+bar/x", "secret/foo/x")]
    [CancelAfter(5000)]
    public void FindRule_NoMatch_GivesNoCapabilities(string pattern, string requestPath, CancellationToken cancellationToken)
    {
        var acl = AclOf(Rule(pattern, "read"));

        Assert.Multiple(() =>
        {
            Assert.That(acl.FindRule(requestPath), Is.Null);
            Assert.That(acl.Capabilities(requestPath).IsEmpty, Is.True);
            Assert.That(acl.Allows(requestPath, Capability.Read), Is.False);
            Assert.That(acl.Capabilities(requestPath).ToVaultList(), Is.EqualTo(new[] { "deny" }));
        });
    }

    [Test]
    [CancelAfter(5000)]
    public void OnlyTheSelectedRuleApplies_LessSpecificRulesAreNotMerged(CancellationToken cancellationToken)
    {
        var acl = AclOf(Rule("secret/*", "list", "update") + Rule("secret/app/*", "read"));

        Assert.Multiple(() =>
        {
            Assert.That(acl.Allows("secret/app/config", Capability.Read), Is.True);
            Assert.That(acl.Allows("secret/app/config", Capability.Update), Is.False);
            Assert.That(acl.Allows("secret/other", Capability.Update), Is.True);
        });
    }

    [Test]
    [CancelAfter(5000)]
    public void ExactRule_LimitsEvenWhenAGlobGrantsMore(CancellationToken cancellationToken)
    {
        var acl = AclOf(Rule("secret/app/config", "read") + Rule("secret/app/*", "read", "update", "delete"));

        Assert.Multiple(() =>
        {
            Assert.That(acl.Allows("secret/app/config", Capability.Read), Is.True);
            Assert.That(acl.Allows("secret/app/config", Capability.Update), Is.False);
            Assert.That(acl.Allows("secret/app/other", Capability.Update), Is.True);
        });
    }

    [Test]
    [CancelAfter(5000)]
    public void EmptyRule_WinsAndGrantsNothing(CancellationToken cancellationToken)
    {
        var acl = AclOf(Rule("secret/*", "read") + "path \"secret/app/*\" { capabilities = [] }");

        Assert.Multiple(() =>
        {
            Assert.That(acl.Allows("secret/app/x", Capability.Read), Is.False);
            Assert.That(acl.Capabilities("secret/app/x").ToVaultList(), Is.EqualTo(new[] { "deny" }));
            Assert.That(acl.Allows("secret/x", Capability.Read), Is.True);
        });
    }

    [Test]
    [CancelAfter(5000)]
    public void SamePathAcrossPolicies_CapabilitiesAreUnited(CancellationToken cancellationToken)
    {
        var acl = AclOf(Rule("secret/app/*", "read"), Rule("secret/app/*", "list"));

        Assert.That(acl.Capabilities("secret/app/x"), Is.EqualTo(CapabilitySet.Of(Capability.Read, Capability.List)));
    }

    [Test]
    [CancelAfter(5000)]
    public void SamePathAcrossPolicies_DenyWinsOverEverythingIncludingSudo(CancellationToken cancellationToken)
    {
        var acl = AclOf(Rule("sys/auth/*", "create", "update", "sudo"), Rule("sys/auth/*", "deny"));

        Assert.Multiple(() =>
        {
            Assert.That(acl.Capabilities("sys/auth/jwt"), Is.EqualTo(CapabilitySet.Of(Capability.Deny)));
            Assert.That(acl.AllowsOperation("sys/auth/jwt", Capability.Update, sudoRequired: true), Is.False);
            Assert.That(acl.Allows("sys/auth/jwt", Capability.Sudo), Is.False);
        });
    }

    [Test]
    [CancelAfter(5000)]
    public void DenyFirstThenGrant_StillDenies(CancellationToken cancellationToken)
    {
        var acl = AclOf(Rule("a/*", "deny"), Rule("a/*", "read"), Rule("a/*", "list"));

        Assert.That(acl.Capabilities("a/x"), Is.EqualTo(CapabilitySet.Of(Capability.Deny)));
    }

    [Test]
    [CancelAfter(5000)]
    public void SamePathInOnePolicy_IsMergedLikeAcrossPolicies(CancellationToken cancellationToken)
    {
        var acl = AclOf(Rule("a/*", "read") + Rule("a/*", "update"));

        Assert.That(acl.Capabilities("a/x"), Is.EqualTo(CapabilitySet.Of(Capability.Read, Capability.Update)));
    }

    [Test]
    [CancelAfter(5000)]
    public void DenyOnABroaderPath_DoesNotReachAMoreSpecificRule(CancellationToken cancellationToken)
    {
        var acl = AclOf(Rule("kvv2/data/*", "deny"), Rule("kvv2/data/app/*", "read"));

        Assert.Multiple(() =>
        {
            Assert.That(acl.Allows("kvv2/data/app/config", Capability.Read), Is.True);
            Assert.That(acl.Allows("kvv2/data/other/config", Capability.Read), Is.False);
        });
    }

    [Test]
    [CancelAfter(5000)]
    public void ExactAndPrefixOfTheSameText_AreDifferentRules(CancellationToken cancellationToken)
    {
        var acl = AclOf(Rule("secret/app", "read"), Rule("secret/app*", "deny"));

        Assert.Multiple(() =>
        {
            Assert.That(acl.Allows("secret/app", Capability.Read), Is.True);
            Assert.That(acl.Allows("secret/apple", Capability.Read), Is.False);
            Assert.That(acl.Capabilities("secret/apple").IsDeny, Is.True);
        });
    }

    [Test]
    [CancelAfter(5000)]
    public void LeadingSlashInPolicyPath_IsTheSameRule(CancellationToken cancellationToken)
    {
        var acl = AclOf(Rule("/secret/app", "read"), Rule("secret/app", "deny"));

        Assert.That(acl.Capabilities("secret/app").IsDeny, Is.True);
    }

    [Test]
    [CancelAfter(5000)]
    public void List_TriesThePathWithoutItsTrailingSlash(CancellationToken cancellationToken)
    {
        var acl = AclOf(Rule("kvv2/metadata/app", "list"));

        Assert.Multiple(() =>
        {
            Assert.That(acl.Allows("kvv2/metadata/app/", Capability.List), Is.True);
            Assert.That(acl.Allows("kvv2/metadata/app/", Capability.Read), Is.False, "only LIST falls back");
            Assert.That(acl.Capabilities("kvv2/metadata/app/").Contains(Capability.List), Is.True, "sys/capabilities looks up as LIST");
        });
    }

    [Test]
    [CancelAfter(5000)]
    public void List_OnTrailingSlash_TriesNonExactRulesWithoutTheSlashFirst(CancellationToken cancellationToken)
    {
        // "a/b/" has three segments, so "a/+" cannot match it and "a/*" would be chosen; LIST
        // first tries "a/b", which "a/+" matches with priority over "a/*".
        var acl = AclOf(Rule("a/+", "list"), Rule("a/*", "read"));

        Assert.Multiple(() =>
        {
            Assert.That(acl.FindRule("a/b/", listOperation: true)!.Pattern, Is.EqualTo("a/+"));
            Assert.That(acl.FindRule("a/b/", listOperation: false)!.Pattern, Is.EqualTo("a/*"));
            Assert.That(acl.Allows("a/b/", Capability.List), Is.True);
        });
    }

    [Test]
    [CancelAfter(5000)]
    public void Sudo_IsNeededOnRootProtectedPaths(CancellationToken cancellationToken)
    {
        var withoutSudo = AclOf(Rule("sys/auth/*", "create", "update"));
        var withSudo = AclOf(Rule("sys/auth/*", "create", "update", "sudo"));
        const string path = "sys/auth/jwt";

        Assert.Multiple(() =>
        {
            Assert.That(RootProtectedPaths.RequiresSudo(path), Is.True);
            Assert.That(RootProtectedPaths.RequiresSudo("sys/auth"), Is.False);
            Assert.That(RootProtectedPaths.RequiresSudo("sys/seal"), Is.True);
            Assert.That(RootProtectedPaths.RequiresSudo("sys/mounts/kvv2"), Is.False);
            Assert.That(withoutSudo.AllowsOperation(path, Capability.Update, RootProtectedPaths.RequiresSudo(path)), Is.False);
            Assert.That(withSudo.AllowsOperation(path, Capability.Update, RootProtectedPaths.RequiresSudo(path)), Is.True);
            Assert.That(withoutSudo.Allows(path, Capability.Update), Is.True);
        });
    }

    [Test]
    [CancelAfter(5000)]
    public void Sudo_MustBeOnTheSelectedRule(CancellationToken cancellationToken)
    {
        var acl = AclOf(Rule("sys/*", "sudo", "update"), Rule("sys/auth/*", "update"));

        Assert.That(acl.AllowsOperation("sys/auth/jwt", Capability.Update, sudoRequired: true), Is.False);
    }

    [Test]
    [CancelAfter(5000)]
    public void Root_GrantsEverythingEverywhere(CancellationToken cancellationToken)
    {
        var acl = Acl.Root;

        Assert.Multiple(() =>
        {
            Assert.That(acl.IsRoot, Is.True);
            Assert.That(acl.AllowsOperation("sys/auth/jwt", Capability.Update, sudoRequired: true), Is.True);
            Assert.That(acl.Allows("anything/at/all", Capability.Delete), Is.True);
            Assert.That(acl.Capabilities("x"), Is.EqualTo(CapabilitySet.All));
            Assert.That(acl.FindRule("x"), Is.Null);
        });
    }

    [Test]
    [CancelAfter(5000)]
    public void NoPolicies_AllowsNothing(CancellationToken cancellationToken)
    {
        var acl = new Acl([]);

        Assert.Multiple(() =>
        {
            Assert.That(acl.Allows("kvv2/data/app/config", Capability.Read), Is.False);
            Assert.That(acl.Capabilities("kvv2/data/app/config").ToVaultList(), Is.EqualTo(new[] { "deny" }));
        });
    }

    [Test]
    [CancelAfter(5000)]
    public void LabRuntimePolicy_ReadsOwnSecretsAndNothingOfAnotherApp(CancellationToken cancellationToken)
    {
        var acl = AclOf(Rule("kvv2/data/gitea/*", "read") + Rule("postgres/creds/gitea", "read") + Rule("transit/encrypt/gitea", "update"));

        Assert.Multiple(() =>
        {
            Assert.That(acl.Allows("kvv2/data/gitea/config", Capability.Read), Is.True);
            Assert.That(acl.Allows("postgres/creds/gitea", Capability.Read), Is.True);
            Assert.That(acl.Allows("kvv2/data/webapp/config", Capability.Read), Is.False);
            Assert.That(acl.Allows("kvv2/data/gitea-other/config", Capability.Read), Is.False);
            Assert.That(acl.Allows("postgres/creds/webapp", Capability.Read), Is.False);
            Assert.That(acl.Allows("kvv2/data/gitea/config", Capability.Update), Is.False);
        });
    }
}
