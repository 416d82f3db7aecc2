using NUnit.Framework;
using Sandbox.Harness.Topology;

namespace Sandbox.Harness.Tests.Topology;

[TestFixture]
public sealed class TopologyLoaderTests
{
    private TopologyWorkspace _ws = null!;

    [SetUp]
    public void SetUp() => _ws = new TopologyWorkspace();

    [TearDown]
    public void TearDown() => _ws.Dispose();

    private static int LineOf(string text, string marker)
    {
        var lines = text.ReplaceLineEndings("\n").Split('\n');
        var matches = Enumerable.Range(0, lines.Length).Where(i => lines[i].Contains(marker, StringComparison.Ordinal)).ToArray();
        Assert.That(matches, Has.Length.EqualTo(1), $"marker '{marker}' must occur once in the test file");
        return matches[0] + 1;
    }

    private TopologyException LoadFails(string text, string marker, string problem)
    {
        var path = _ws.Write("topology.yaml", text);
        var ex = Assert.Throws<TopologyException>(() => TopologyLoader.Load(path))!;
        Assert.Multiple(() =>
        {
            Assert.That(ex.File, Is.EqualTo(path));
            Assert.That(ex.Line, Is.EqualTo(LineOf(text, marker)), ex.Message);
            Assert.That(ex.Problem, Does.Contain(problem));
            Assert.That(ex.Fix, Is.Not.Empty);
            Assert.That(ex.Message, Does.StartWith($"{path}:{ex.Line}:{ex.Column}: "));
            Assert.That(ex.ExitCode, Is.EqualTo(ExitCode.InvalidInput));
        });
        return ex;
    }

    [Test]
    [CancelAfter(10000)]
    public void Load_LabFixture_HasTheLabsNames(CancellationToken cancellationToken)
    {
        var topology = TopologyLoader.Load(TopologyWorkspace.FixtureTopology);

        Assert.That(topology.Apps, Has.Count.GreaterThanOrEqualTo(3));
        Assert.Multiple(() =>
        {
            Assert.That(topology.Mounts.Select(m => (m.Path, m.Type, m.KvVersion)), Is.SupersetOf(new (string, string, int?)[]
            {
                ("kvv2", "kv", 2), ("kv", "kv", 1), ("transit", "transit", null), ("postgres", "database", null),
            }));
            Assert.That(topology.Kubernetes.Path, Is.EqualTo("kubernetes"));
            Assert.That(topology.Jwt.Path, Is.EqualTo("jwt"));
            Assert.That(topology.Jwt.BoundIssuer, Is.Not.Null.And.Not.Empty);
            foreach (var app in topology.Apps)
            {
                Assert.That(app.KubernetesRole.Name, Is.EqualTo(app.Slug));
                Assert.That(app.KubernetesRole.Policies, Is.EqualTo(new[] { app.Slug }));
                Assert.That(app.Namespace, Is.EqualTo(app.Slug));
                Assert.That(app.ServiceAccount, Is.EqualTo(app.Slug));
                Assert.That(app.JwtRole.Name, Is.EqualTo("gitea_cicd_" + app.Slug));
                Assert.That(app.JwtRole.Policies, Is.EqualTo(new[] { app.Slug + "-ops" }));
                Assert.That(app.Jwt.BoundClaims["repository"], Is.EqualTo(new[] { "arcodange/" + app.Slug }));
                Assert.That(app.Policies.Keys, Is.EquivalentTo(new[] { app.Slug, app.Slug + "-ops" }));
                Assert.That(app.Policies[app.Slug], Does.Contain($"path \"kvv2/data/{app.Slug}/*\""));
                Assert.That(app.Policies[app.Slug], Does.Not.Contain("{{app}}"));
                Assert.That(app.Database.Grants, Is.EqualTo(new[] { app.Slug + "_role" }));
            }
        });
    }

    [Test]
    [CancelAfter(10000)]
    public void Load_PerAppTtlOverride_WinsOverTheDefault(CancellationToken cancellationToken)
    {
        var topology = TopologyLoader.Load(TopologyWorkspace.FixtureTopology);

        var erp = topology.Apps.Single(a => a.Slug == "erp");
        var webapp = topology.Apps.Single(a => a.Slug == "webapp");
        Assert.Multiple(() =>
        {
            Assert.That(erp.Database.DefaultTtl.Seconds, Is.EqualTo(1800));
            Assert.That(erp.Database.MaxTtl.Seconds, Is.EqualTo(8 * 3600));
            Assert.That(webapp.Database.DefaultTtl.Seconds, Is.EqualTo(3600));
            Assert.That(webapp.JwtRole.TokenTtl!.Value.Seconds, Is.EqualTo(1200));
        });
    }

    [Test]
    [CancelAfter(10000)]
    public void Load_MinimalTopology_AppliesDocumentedDefaults(CancellationToken cancellationToken)
    {
        var topology = TopologyLoader.Load(_ws.Write("topology.yaml", TopologyWorkspace.Minimal()));

        var app = topology.Apps.Single();
        Assert.Multiple(() =>
        {
            Assert.That(topology.KvMount, Is.EqualTo("kvv2"));
            Assert.That(topology.TransitMount, Is.EqualTo("transit"));
            Assert.That(topology.TransitKeyType, Is.EqualTo("aes256-gcm96"));
            Assert.That(topology.Database, Is.EqualTo(new DatabaseSpec("postgres", "postgres", "postgresql-database-plugin")));
            Assert.That(app.TransitKeys, Is.EqualTo(new[] { "webapp" }));
            Assert.That(app.KubernetesRole.TokenTtl, Is.Null);
            Assert.That(app.Jwt.BoundClaimsType, Is.EqualTo("string"));
            Assert.That(app.Jwt.BoundClaims["repository"], Is.EqualTo(new[] { "org/webapp" }));
        });
    }

    [Test]
    [CancelAfter(10000)]
    public void UnknownRootKey_NamesLineAndSuggestsTheRightKey(CancellationToken cancellationToken)
    {
        var text = TopologyWorkspace.Minimal(extra: "mount:\n  x: { type: kv, version: 1 }\n");

        var ex = LoadFails(text, "mount:", "unknown key \"mount\" in the topology");

        Assert.That(ex.Fix, Does.Contain("did you mean \"mounts\""));
    }

    [Test]
    [CancelAfter(10000)]
    public void UnknownAppKey_NamesLine(CancellationToken cancellationToken)
    {
        var text = TopologyWorkspace.Minimal("  - slug: webapp\n    namespce: web\n");

        var ex = LoadFails(text, "namespce", "unknown key \"namespce\" in an app");

        Assert.That(ex.Fix, Does.Contain("did you mean \"namespace\""));
    }

    [Test]
    [CancelAfter(10000)]
    public void UnknownNestedKey_NamesItsSection(CancellationToken cancellationToken)
    {
        var text = TopologyWorkspace.Minimal("  - slug: webapp\n    database:\n      defaultTTL: 1h\n");

        LoadFails(text, "defaultTTL", "unknown key \"defaultTTL\" in app \"webapp\" database");
    }

    [Test]
    [CancelAfter(10000)]
    public void DuplicateApp_NamesSecondLineAndTheFirst(CancellationToken cancellationToken)
    {
        var text = TopologyWorkspace.Minimal("  - slug: webapp # first\n  - slug: erp\n  - slug: webapp # again\n");

        var ex = LoadFails(text, "# again", "duplicate app \"webapp\"");

        Assert.That(ex.Problem, Does.Contain($"first defined at {ex.File}:{LineOf(text, "# first")})"));
    }

    [TestCase("Web_App")]
    [TestCase("-webapp")]
    [TestCase("webapp-")]
    [TestCase("web.app")]
    [TestCase("WEBAPP")]
    [TestCase("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")]
    [CancelAfter(10000)]
    public void InvalidSlug_IsRefusedWithTheRule(string slug, CancellationToken cancellationToken)
    {
        var text = TopologyWorkspace.Minimal($"  - slug: \"{slug}\"\n");

        var ex = LoadFails(text, slug, $"\"slug\" value \"{slug}\" is not a valid name");

        Assert.That(ex.Fix, Does.Contain("at most 63"));
    }

    [Test]
    [CancelAfter(10000)]
    public void SixtyThreeCharacterSlug_IsAccepted(CancellationToken cancellationToken)
    {
        var slug = new string('a', 63);

        var topology = TopologyLoader.Load(_ws.Write("topology.yaml", TopologyWorkspace.Minimal($"  - slug: {slug}\n")));

        Assert.That(topology.Apps.Single().Slug, Is.EqualTo(slug));
    }

    [Test]
    [CancelAfter(10000)]
    public void InvalidNamespace_IsRefused(CancellationToken cancellationToken)
    {
        var text = TopologyWorkspace.Minimal("  - slug: webapp\n    namespace: Web_NS\n");

        LoadFails(text, "Web_NS", "\"namespace\" value \"Web_NS\" is not a valid name");
    }

    [Test]
    [CancelAfter(10000)]
    public void PolicyTemplateThatDoesNotParse_NamesTheTemplateFileAndLine(CancellationToken cancellationToken)
    {
        var template = _ws.Write("policies/app.hcl", "# runtime\npath \"kvv2/data/{{app}}/*\" {\n  capabilities = [\"read\", \"reed\"]\n}\n");
        var path = _ws.Write("topology.yaml", TopologyWorkspace.Minimal());

        var ex = Assert.Throws<TopologyException>(() => TopologyLoader.Load(path))!;

        Assert.Multiple(() =>
        {
            Assert.That(ex.File, Is.EqualTo(template));
            Assert.That((ex.Line, ex.Column), Is.EqualTo((3, 27)), "the position is the template's own, despite {{app}}");
            Assert.That(ex.Problem, Does.Contain("policy template does not parse"));
            Assert.That(ex.Problem, Does.Contain("invalid capability \"reed\""));
            Assert.That(ex.Fix, Does.Contain("create, read"));
        });
    }

    [Test]
    [CancelAfter(10000)]
    public void PolicyTemplateSyntaxError_NamesTheTemplateFileAndLine(CancellationToken cancellationToken)
    {
        var template = _ws.Write("policies/app-ops.hcl", "path \"kvv2/data/{{app}}/*\" {\n  capabilities = [\"read\"\n}\n");
        var path = _ws.Write("topology.yaml", TopologyWorkspace.Minimal());

        var ex = Assert.Throws<TopologyException>(() => TopologyLoader.Load(path))!;

        Assert.Multiple(() =>
        {
            Assert.That(ex.File, Is.EqualTo(template));
            Assert.That(ex.Line, Is.EqualTo(3));
        });
    }

    [Test]
    [CancelAfter(10000)]
    public void UnknownPlaceholderInTemplate_IsRefused(CancellationToken cancellationToken)
    {
        var template = _ws.Write("policies/app.hcl", "path \"kvv2/data/{{app}}/*\" { capabilities = [\"read\"] }\npath \"kvv2/data/{{ns}}/*\" { capabilities = [\"read\"] }\n");
        var path = _ws.Write("topology.yaml", TopologyWorkspace.Minimal());

        var ex = Assert.Throws<TopologyException>(() => TopologyLoader.Load(path))!;

        Assert.Multiple(() =>
        {
            Assert.That(ex.File, Is.EqualTo(template));
            Assert.That((ex.Line, ex.Column), Is.EqualTo((2, 17)));
            Assert.That(ex.Problem, Does.Contain("unknown placeholder \"{{ns}}\""));
        });
    }

    [Test]
    [CancelAfter(10000)]
    public void MissingTemplateFile_NamesTheTopologyLine(CancellationToken cancellationToken)
    {
        var text = TopologyWorkspace.Minimal().Replace("runtime: policies/app.hcl", "runtime: policies/nope.hcl", StringComparison.Ordinal);

        LoadFails(text, "nope.hcl", "policy template \"policies/nope.hcl\" does not exist");
    }

    [Test]
    [CancelAfter(10000)]
    public void RoleNamingAMissingPolicy_NamesTheRoleAndTheLine(CancellationToken cancellationToken)
    {
        var text = TopologyWorkspace.Minimal("  - slug: webapp\n    kubernetes:\n      policies: [webapp, webapp-admin]\n");

        var ex = LoadFails(text, "webapp-admin", "role \"webapp\" names policy \"webapp-admin\"");

        Assert.That(ex.Fix, Does.Contain("default, webapp, webapp-ops"));
    }

    [Test]
    [CancelAfter(10000)]
    public void SharedRolePolicyDefault_NamingAMissingPolicy_PointsAtTheDefault(CancellationToken cancellationToken)
    {
        var text = TopologyWorkspace.Minimal().Replace("    userClaim: sub\n", "    userClaim: sub\n    policies: [\"{{app}}-ci\"]\n", StringComparison.Ordinal);

        LoadFails(text, "{{app}}-ci", "role \"gitea_cicd_webapp\" names policy \"webapp-ci\"");
    }

    [Test]
    [CancelAfter(10000)]
    public void ExtraPolicy_CanBeNamedByARole(CancellationToken cancellationToken)
    {
        _ws.Write("policies/shared.hcl", "path \"kv/shared/*\" { capabilities = [\"read\"] }\n");
        var text = TopologyWorkspace.Minimal("  - slug: webapp\n    kubernetes:\n      policies: [webapp, shared-read]\n",
            extra: "extraPolicies:\n  shared-read: policies/shared.hcl\n");

        var topology = TopologyLoader.Load(_ws.Write("topology.yaml", text));

        Assert.Multiple(() =>
        {
            Assert.That(topology.ExtraPolicies.Keys, Is.EqualTo(new[] { "shared-read" }));
            Assert.That(topology.Apps[0].KubernetesRole.Policies, Is.EqualTo(new[] { "webapp", "shared-read" }));
        });
    }

    [TestCase("1 hour")]
    [TestCase("soon")]
    [TestCase("1w")]
    [CancelAfter(10000)]
    public void TtlThatIsNotADuration_NamesKeyAndLine(string ttl, CancellationToken cancellationToken)
    {
        var text = TopologyWorkspace.Minimal($"  - slug: webapp\n    database:\n      maxTtl: \"{ttl}\"\n");

        var ex = LoadFails(text, "maxTtl: \"", $"\"maxTtl\" value \"{ttl}\" is not a duration");

        Assert.That(ex.Fix, Does.Contain("\"1h\""));
    }

    [Test]
    [CancelAfter(10000)]
    public void DefaultTtlLongerThanMax_IsRefused(CancellationToken cancellationToken)
    {
        var text = TopologyWorkspace.Minimal().Replace("  defaultTtl: 1h\n", "  defaultTtl: 48h\n", StringComparison.Ordinal);

        LoadFails(text, "defaultTtl: 48h", "defaultTtl (48h) is longer than maxTtl (24h)");
    }

    [Test]
    [CancelAfter(10000)]
    public void MissingVersion_IsAMissingRequiredField(CancellationToken cancellationToken)
    {
        var text = "# no version\n" + TopologyWorkspace.Minimal().Replace("version: 1\n", "", StringComparison.Ordinal);

        LoadFails(text, "mounts:", "missing required key \"version\"");
    }

    [Test]
    [CancelAfter(10000)]
    public void MissingUserClaim_IsAMissingRequiredField(CancellationToken cancellationToken)
    {
        var text = TopologyWorkspace.Minimal().Replace("    userClaim: sub\n", "", StringComparison.Ordinal);

        LoadFails(text, "boundAudiences", "missing required key \"userClaim\" in auth.jwt");
    }

    [Test]
    [CancelAfter(10000)]
    public void MissingSlug_IsAMissingRequiredField(CancellationToken cancellationToken)
    {
        var text = TopologyWorkspace.Minimal("  - namespace: webapp\n");

        LoadFails(text, "- namespace: webapp", "missing required key \"slug\" in an app");
    }

    [Test]
    [CancelAfter(10000)]
    public void AppsAsAString_IsAWrongType(CancellationToken cancellationToken)
    {
        var text = TopologyWorkspace.Minimal().Replace("apps:\n  - slug: webapp\n", "apps: webapp\n", StringComparison.Ordinal);

        LoadFails(text, "apps: webapp", "\"apps\" must be a list of apps");
    }

    [Test]
    [CancelAfter(10000)]
    public void GrantsAsAString_IsAWrongType(CancellationToken cancellationToken)
    {
        var text = TopologyWorkspace.Minimal("  - slug: webapp\n    database:\n      grants: webapp_role\n");

        LoadFails(text, "grants: webapp_role", "\"grants\" must be a list of strings");
    }

    [Test]
    [CancelAfter(10000)]
    public void KvMountWithoutVersion_IsRefused(CancellationToken cancellationToken)
    {
        var text = TopologyWorkspace.Minimal().Replace("kvv2: { type: kv, version: 2 }", "kvv2: { type: kv }", StringComparison.Ordinal);

        LoadFails(text, "kvv2: { type: kv }", "kv mount \"kvv2\" needs version: 1 or 2");
    }

    [Test]
    [CancelAfter(10000)]
    public void VersionOnATransitMount_UsesVaultsWording(CancellationToken cancellationToken)
    {
        var text = TopologyWorkspace.Minimal().Replace("transit: { type: transit }", "transit: { type: transit, version: 2 }", StringComparison.Ordinal);

        LoadFails(text, "type: transit, version", "secrets engine \"transit\" does not allow setting a version");
    }

    [Test]
    [CancelAfter(10000)]
    public void SeedMountThatIsKvV1_IsRefused(CancellationToken cancellationToken)
    {
        var text = TopologyWorkspace.Minimal(extra: "kv:\n  mount: flat\n").Replace("mounts:\n", "mounts:\n  flat: { type: kv, version: 1 }\n", StringComparison.Ordinal);

        LoadFails(text, "mount: flat", "kv.mount \"flat\" must be a kv version 2 mount");
    }

    [Test]
    [CancelAfter(10000)]
    public void OverlappingMounts_AreRefused(CancellationToken cancellationToken)
    {
        var text = TopologyWorkspace.Minimal().Replace("mounts:\n", "mounts:\n  kvv2/team: { type: kv, version: 1 }\n", StringComparison.Ordinal);

        LoadFails(text, "kvv2: { type", "overlaps mount \"kvv2/team/\"");
    }

    [Test]
    [CancelAfter(10000)]
    public void JwtRoleWithoutBoundConstraint_IsRefused(CancellationToken cancellationToken)
    {
        var text = TopologyWorkspace.Minimal()
            .Replace("    boundAudiences: [https://gitea.example]\n    boundClaims:\n      repository: \"org/{{app}}\"\n", "", StringComparison.Ordinal);

        LoadFails(text, "userClaim: sub", "must have at least one bound constraint");
    }

    [Test]
    [CancelAfter(10000)]
    public void SlugWhoseOpsPolicyCollidesWithAnotherApp_IsRefused(CancellationToken cancellationToken)
    {
        var text = TopologyWorkspace.Minimal("  - slug: web\n  - slug: web-ops\n");

        LoadFails(text, "- slug: web-ops", "defines policy \"web-ops\"");
    }

    [Test]
    [CancelAfter(10000)]
    public void YamlSyntaxError_NamesLine(CancellationToken cancellationToken)
    {
        var text = TopologyWorkspace.Minimal("  - slug: webapp\n    kv: { config: [unclosed\n");

        var path = _ws.Write("topology.yaml", text);
        var ex = Assert.Throws<TopologyException>(() => TopologyLoader.Load(path))!;

        Assert.Multiple(() =>
        {
            Assert.That(ex.Problem, Does.StartWith("invalid YAML"));
            Assert.That(ex.Line, Is.GreaterThanOrEqualTo(LineOf(text, "unclosed")));
            Assert.That(ex.File, Is.EqualTo(path));
        });
    }

    [Test]
    [CancelAfter(10000)]
    public void EmptyFile_IsRefused(CancellationToken cancellationToken)
    {
        var path = _ws.Write("topology.yaml", "# nothing here\n");

        var ex = Assert.Throws<TopologyException>(() => TopologyLoader.Load(path))!;

        Assert.That(ex.Problem, Is.EqualTo("the topology file is empty"));
    }

    [Test]
    [CancelAfter(10000)]
    public void MissingFile_IsRefused(CancellationToken cancellationToken)
    {
        var path = Path.Combine(_ws.Root, "nope.yaml");

        var ex = Assert.Throws<TopologyException>(() => TopologyLoader.Load(path))!;

        Assert.Multiple(() =>
        {
            Assert.That(ex.File, Is.EqualTo(path));
            Assert.That(ex.Problem, Does.Contain("does not exist"));
        });
    }

    [Test]
    [CancelAfter(10000)]
    public void MountsAsAList_IsAWrongType(CancellationToken cancellationToken)
    {
        var text = TopologyWorkspace.Minimal().Replace("mounts:\n  kvv2: { type: kv, version: 2 }\n  transit: { type: transit }\n  postgres: { type: database }\n",
            "mounts: [kvv2, transit, postgres]\n", StringComparison.Ordinal);

        LoadFails(text, "mounts: [", "\"mounts\" must be a mapping");
    }

    [Test]
    [CancelAfter(10000)]
    public void DuplicateYamlKey_IsRefusedNotLastOneWins(CancellationToken cancellationToken)
    {
        var text = TopologyWorkspace.Minimal("  - slug: webapp\n    namespace: a\n    namespace: b\n");

        var path = _ws.Write("topology.yaml", text);
        var ex = Assert.Throws<TopologyException>(() => TopologyLoader.Load(path))!;

        Assert.Multiple(() =>
        {
            Assert.That(ex.Problem, Does.StartWith("invalid YAML"));
            Assert.That(ex.Line, Is.EqualTo(LineOf(text, "namespace: b")));
        });
    }
}
