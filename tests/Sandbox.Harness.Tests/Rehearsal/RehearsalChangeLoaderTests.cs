using NUnit.Framework;
using Sandbox.Harness.Rehearsal;
using Sandbox.Harness.Tests.Topology;
using Sandbox.Harness.Topology;

namespace Sandbox.Harness.Tests.Rehearsal;

[TestFixture]
public sealed class RehearsalChangeLoaderTests
{
    private TopologyWorkspace _ws = null!;

    [SetUp]
    public void SetUp() => _ws = new TopologyWorkspace();

    [TearDown]
    public void TearDown() => _ws.Dispose();

    [Test]
    [CancelAfter(10000)]
    public void Overlay_WithRehearseSection_LoadsTheChangedTopologyAndTheDescription(CancellationToken cancellationToken)
    {
        var change = RehearsalFixtures.Load("harmless.yaml");

        Assert.Multiple(() =>
        {
            Assert.That(change.BaseTopology.Apps.Select(a => a.Slug), Does.Not.Contain("billing"));
            Assert.That(change.ChangedTopology.Apps.Select(a => a.Slug), Does.Contain("billing"));
            Assert.That(change.ChangedTopology.Apps.Single(a => a.Slug == "erp").KubernetesRole.TokenTtl?.Seconds, Is.EqualTo(7200));
            Assert.That(change.Description, Does.StartWith("add the billing app"));
            Assert.That(change.Endpoints, Is.Empty);
            Assert.That(change.ChangesVersion, Is.False);
        });
    }

    [Test]
    [CancelAfter(10000)]
    public void OverlayChange_GivesTheSuitesTheBaseThenTheOverlay_AndTheyLoadToTheChangedTopology(CancellationToken cancellationToken)
    {
        var change = RehearsalFixtures.Load("harmless.yaml");

        Assert.That(change.TopologyFiles, Is.EqualTo(new[] { Path.GetFullPath(RehearsalFixtures.Topology), Path.GetFullPath(RehearsalFixtures.Change("harmless.yaml")) }));
        var asTheSuitesLoadIt = TopologyLoader.Load(change.TopologyFiles![0], [.. change.TopologyFiles.Skip(1)], [RehearsalChangeLoader.SectionKey]);
        Assert.That(asTheSuitesLoadIt.Apps.Select(a => a.Slug), Is.EqualTo(change.ChangedTopology.Apps.Select(a => a.Slug)));
    }

    [Test]
    [CancelAfter(10000)]
    public void PolicyFileChange_HasNoTopologyFilesForTheSuites(CancellationToken cancellationToken)
    {
        var change = RehearsalFixtures.Load("widen-webapp-policies");

        Assert.That(change.TopologyFiles, Is.Null, "its overlay existed only while the change loaded");
    }

    [Test]
    [CancelAfter(10000)]
    public void MalformedOverlay_NamesFileLineAndFix(CancellationToken cancellationToken)
    {
        var ex = Assert.Throws<RehearsalChangeException>(() => RehearsalFixtures.Load("broken.yaml"))!;

        Assert.Multiple(() =>
        {
            Assert.That(ex.File, Does.EndWith(Path.Combine("changes", "broken.yaml")));
            Assert.That(ex.Line, Is.EqualTo(7));
            Assert.That(ex.Message, Does.Contain("\"defaultTtl\" value \"half an hour\" is not a duration"));
            Assert.That(ex.Fix, Does.Contain("90s"));
            Assert.That(ex.Message, Does.Contain("Nothing was applied"));
            Assert.That((int)ex.ExitCode, Is.EqualTo(4));
        });
    }

    [Test]
    [CancelAfter(10000)]
    public void InvalidYaml_IsRefusedWithTheLine(CancellationToken cancellationToken)
    {
        var path = _ws.Write("bad.yaml", "apps:\n  - slug: webapp\n    database: { defaultTtl: 1h\n");

        var ex = Assert.Throws<RehearsalChangeException>(() =>
            RehearsalChangeLoader.Load(new RehearsalRequest { TopologyPath = RehearsalFixtures.Topology, Changes = [path] }, RehearsalFixtures.Guard()))!;

        Assert.Multiple(() =>
        {
            Assert.That(ex.File, Is.EqualTo(path));
            Assert.That(ex.Line, Is.GreaterThanOrEqualTo(3));
            Assert.That(ex.Message, Does.Contain("invalid YAML"));
            Assert.That(ex.Message, Does.Contain("Nothing was applied"));
        });
    }

    [Test]
    [CancelAfter(10000)]
    public void UnknownKeyInRehearseSection_ListsTheAllowedKeys(CancellationToken cancellationToken)
    {
        var path = _ws.Write("c.yaml", "rehearse:\n  endpoints:\n    connectionURL: postgresql://127.0.0.1/x\n");

        var ex = Assert.Throws<RehearsalChangeException>(() =>
            RehearsalChangeLoader.Load(new RehearsalRequest { TopologyPath = RehearsalFixtures.Topology, Changes = [path] }, RehearsalFixtures.Guard()))!;

        Assert.Multiple(() =>
        {
            Assert.That(ex.Line, Is.EqualTo(3));
            Assert.That(ex.Problem, Does.Contain("unknown key \"connectionURL\" in rehearse.endpoints"));
            Assert.That(ex.Fix, Does.Contain("connectionUrl"));
        });
    }

    [Test]
    [CancelAfter(10000)]
    public void EmptyChangeFile_IsRefused(CancellationToken cancellationToken)
    {
        var path = _ws.Write("empty.yaml", "# nothing\n");

        var ex = Assert.Throws<RehearsalChangeException>(() =>
            RehearsalChangeLoader.Load(new RehearsalRequest { TopologyPath = RehearsalFixtures.Topology, Changes = [path] }, RehearsalFixtures.Guard()))!;

        Assert.That(ex.Problem, Does.Contain("empty"));
    }

    [Test]
    [CancelAfter(10000)]
    public void ProductionEndpoint_IsRefusedByTheGuardWithTheRule(CancellationToken cancellationToken)
    {
        var guard = RehearsalFixtures.Guard();

        var ex = Assert.Throws<RehearsalGuardException>(() =>
            RehearsalChangeLoader.Load(new RehearsalRequest { TopologyPath = RehearsalFixtures.Topology, Changes = [RehearsalFixtures.Change("prod-endpoint.yaml")] }, guard))!;

        Assert.Multiple(() =>
        {
            Assert.That(ex.Decision.Rule, Is.EqualTo("hosts:*.arcodange.lab"));
            Assert.That(ex.Endpoint.VaultField, Is.EqualTo("connection_url"));
            Assert.That(ex.Endpoint.Location.Line, Is.EqualTo(7));
            Assert.That(ex.Message, Does.Contain("Nothing was applied"));
            Assert.That((int)ex.ExitCode, Is.EqualTo(3));
            Assert.That(guard.Audit.Entries.Any(e => !e.Allowed && e.Rule == "hosts:*.arcodange.lab"), Is.True, "the refusal is in the audit log");
        });
    }

    [TestCase("kubernetesHost", "https://10.43.0.1:443", "addresses:10.43.0.0/16")]
    [TestCase("jwksUrl", "https://gitea.arcodange.lab/api/actions/.well-known/keys", "hosts:gitea.arcodange.lab")]
    [TestCase("oidcDiscoveryUrl", "https://vault.arcodange.lab/v1/identity/oidc", "hosts:vault.arcodange.lab")]
    [TestCase("connectionUrl", "postgresql://u@203.0.113.7:5432/db", "default-deny")]
    [TestCase("connectionUrl", "host=db.arcodange.lab port=5432 dbname=app user={{username}}", "hosts:*.arcodange.lab")]
    [TestCase("connectionUrl", "host='db.arcodange.lab port=5432", "hosts:*.arcodange.lab")]
    [TestCase("connectionUrl", "postgresql://127.0.0.1:5432/db?sslrootcert=/etc/ssl/prod-ca.pem", "config-guard:connection-file-parameter")]
    [TestCase("connectionUrl", "postgresql://127.0.0.1:5432,127.0.0.1:5433/db", "config-guard:multi-host")]
    [TestCase("connectionUrl", "host=127.0.0.1 service=prod", "config-guard:connection-service")]
    [TestCase("kubernetesHost", "http://vault.localhost:6443", "config-guard:localhost-name")]
    [CancelAfter(10000)]
    public void EveryEndpointKey_IsJudgedByTheGuard(string key, string url, string rule, CancellationToken cancellationToken)
    {
        var path = _ws.Write("c.yaml", $"rehearse:\n  endpoints:\n    {key}: \"{url}\"\n");

        var ex = Assert.Throws<RehearsalGuardException>(() =>
            RehearsalChangeLoader.Load(new RehearsalRequest { TopologyPath = RehearsalFixtures.Topology, Changes = [path] }, RehearsalFixtures.Guard()))!;

        Assert.That(ex.Decision.Rule, Is.EqualTo(rule));
        if (url.Contains("db.arcodange.lab", StringComparison.Ordinal))
        {
            Assert.That(ex.Message, Does.Contain("db.arcodange.lab").And.Contain(rule), "the refusal names the production host it found");
        }
    }

    [Test]
    [CancelAfter(10000)]
    public void ChangeFileOnADenylistedPath_IsRefusedBeforeItIsRead(CancellationToken cancellationToken)
    {
        var path = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".arcodange", "change.yaml");

        var ex = Assert.Throws<Harness.Guard.GuardBlockedException>(() =>
            RehearsalChangeLoader.Load(new RehearsalRequest { TopologyPath = RehearsalFixtures.Topology, Changes = [path] }, RehearsalFixtures.Guard()))!;

        Assert.Multiple(() =>
        {
            Assert.That(ex.Message, Does.Contain("files:"));
            Assert.That((int)ex.ExitCode, Is.EqualTo(3));
        });
    }

    [Test]
    [CancelAfter(10000)]
    public void LoopbackEndpoint_IsAllowed(CancellationToken cancellationToken)
    {
        var path = _ws.Write("c.yaml", "rehearse:\n  endpoints:\n    connectionUrl: \"postgresql://{{username}}:{{password}}@127.0.0.1:5432/postgres\"\n");

        var change = RehearsalChangeLoader.Load(new RehearsalRequest { TopologyPath = RehearsalFixtures.Topology, Changes = [path] }, RehearsalFixtures.Guard());

        Assert.That(change.Endpoints.Single().VaultField, Is.EqualTo("connection_url"));
    }

    [Test]
    [CancelAfter(10000)]
    public void PolicyDirectory_ReplacesThePolicyNamedByEachFile(CancellationToken cancellationToken)
    {
        var change = RehearsalFixtures.Load("widen-webapp-policies");

        Assert.Multiple(() =>
        {
            Assert.That(change.ChangedPlan.Policies["webapp"], Does.Contain("path \"kvv2/data/*\""));
            Assert.That(change.BasePlan.Policies["webapp"], Does.Not.Contain("path \"kvv2/data/*\""));
            Assert.That(change.ChangedPlan.Policies["erp"], Is.EqualTo(change.BasePlan.Policies["erp"]), "other apps keep their policy");
            Assert.That(change.Description, Does.StartWith("policy files:"));
        });
    }

    [Test]
    [CancelAfter(10000)]
    public void PolicyFileNamedLikeATemplate_ReplacesItForEveryApp(CancellationToken cancellationToken)
    {
        var hcl = _ws.Write("new/app.hcl", "path \"kvv2/data/{{app}}/*\" {\n  capabilities = [\"read\", \"list\"]\n}\n");

        var change = RehearsalChangeLoader.Load(new RehearsalRequest { TopologyPath = RehearsalFixtures.Topology, Changes = [hcl] }, RehearsalFixtures.Guard());

        Assert.Multiple(() =>
        {
            Assert.That(change.ChangedPlan.Policies["webapp"], Does.Contain("kvv2/data/webapp/*").And.Contain("list"));
            Assert.That(change.ChangedPlan.Policies["erp"], Does.Contain("kvv2/data/erp/*").And.Contain("list"));
            Assert.That(change.ChangedPlan.Policies["erp-ops"], Is.EqualTo(change.BasePlan.Policies["erp-ops"]));
        });
    }

    [Test]
    [CancelAfter(10000)]
    public void PolicyFileThatDoesNotParse_PointsAtItsOwnLine(CancellationToken cancellationToken)
    {
        var hcl = _ws.Write("new/webapp.hcl", "path \"kvv2/data/*\" {\n  capabilities = [\"read\", \"fly\"]\n}\n");

        var ex = Assert.Throws<RehearsalChangeException>(() =>
            RehearsalChangeLoader.Load(new RehearsalRequest { TopologyPath = RehearsalFixtures.Topology, Changes = [hcl] }, RehearsalFixtures.Guard()))!;

        Assert.Multiple(() =>
        {
            Assert.That(ex.File, Is.EqualTo(hcl));
            Assert.That(ex.Line, Is.EqualTo(2));
            Assert.That(ex.Message, Does.Contain("invalid capability \"fly\""));
        });
    }

    [Test]
    [CancelAfter(10000)]
    public void PolicyFileMatchingNothing_ListsTheNamesItCouldHave(CancellationToken cancellationToken)
    {
        var hcl = _ws.Write("new/billing.hcl", "path \"x\" { capabilities = [\"read\"] }\n");

        var ex = Assert.Throws<RehearsalChangeException>(() =>
            RehearsalChangeLoader.Load(new RehearsalRequest { TopologyPath = RehearsalFixtures.Topology, Changes = [hcl] }, RehearsalFixtures.Guard()))!;

        Assert.Multiple(() =>
        {
            Assert.That(ex.Problem, Does.Contain("billing.hcl"));
            Assert.That(ex.Fix, Does.Contain("app.hcl").And.Contain("webapp-ops.hcl"));
        });
    }

    [Test]
    [CancelAfter(10000)]
    public void NoChangeAtAll_IsAUsageError(CancellationToken cancellationToken)
    {
        var ex = Assert.Throws<RehearsalChangeException>(() =>
            RehearsalChangeLoader.Load(new RehearsalRequest { TopologyPath = RehearsalFixtures.Topology }, RehearsalFixtures.Guard()))!;

        Assert.That(ex.Fix, Does.Contain("--vault-binary"));
    }

    [Test]
    [CancelAfter(10000)]
    public void HelmValues_OnTheProcessRuntime_AreRefused(CancellationToken cancellationToken)
    {
        var values = _ws.Write("vault-values.yaml", "server:\n  image:\n    tag: 1.19.0\n");

        var ex = Assert.Throws<RehearsalChangeException>(() =>
            RehearsalChangeLoader.Load(new RehearsalRequest { TopologyPath = RehearsalFixtures.Topology, Changes = [values], Runtime = "process" }, RehearsalFixtures.Guard()))!;

        Assert.That(ex.Problem, Does.Contain("k3d runtime only"));
    }

    [Test]
    [CancelAfter(10000)]
    public void HelmValues_OnK3d_AreRecorded(CancellationToken cancellationToken)
    {
        var values = _ws.Write("vault-values.yaml", "server:\n  image:\n    tag: 1.19.0\n");

        var change = RehearsalChangeLoader.Load(new RehearsalRequest { TopologyPath = RehearsalFixtures.Topology, Changes = [values], Runtime = "k3d" }, RehearsalFixtures.Guard());

        Assert.Multiple(() =>
        {
            Assert.That(change.HelmValuesFile, Is.EqualTo(values));
            Assert.That(change.ChangedPlan.Policies, Is.EqualTo(change.BasePlan.Policies));
        });
    }

    [Test]
    [CancelAfter(10000)]
    public void VaultBinary_ThatIsNotExecutable_IsRefused(CancellationToken cancellationToken)
    {
        var binary = _ws.Write("bin/vault", "not a program");

        var ex = Assert.Throws<RehearsalChangeException>(() =>
            RehearsalChangeLoader.Load(new RehearsalRequest { TopologyPath = RehearsalFixtures.Topology, VaultBinary = binary, Runtime = "process" }, RehearsalFixtures.Guard()))!;

        Assert.That(ex.Problem, Does.Contain("not executable"));
    }

    [Test]
    [CancelAfter(10000)]
    public void VaultImage_OnTheProcessRuntime_IsRefused(CancellationToken cancellationToken)
    {
        var ex = Assert.Throws<RehearsalChangeException>(() =>
            RehearsalChangeLoader.Load(new RehearsalRequest { TopologyPath = RehearsalFixtures.Topology, VaultImage = "hashicorp/vault:1.19.0", Runtime = "process" }, RehearsalFixtures.Guard()))!;

        Assert.That(ex.Fix, Does.Contain("--vault-binary"));
    }

    [Test]
    [CancelAfter(10000)]
    public void VaultImage_FromAProductionRegistry_IsRefusedByTheGuard(CancellationToken cancellationToken)
    {
        var ex = Assert.Throws<RehearsalGuardException>(() =>
            RehearsalChangeLoader.Load(new RehearsalRequest { TopologyPath = RehearsalFixtures.Topology, VaultImage = "registry.arcodange.lab:5000/vault:1.19.0", Runtime = "docker" }, RehearsalFixtures.Guard()))!;

        Assert.That(ex.Decision.Rule, Is.EqualTo("hosts:*.arcodange.lab"));
    }

    [Test]
    [CancelAfter(10000)]
    public void VersionOnlyChange_KeepsTheTopology(CancellationToken cancellationToken)
    {
        var change = RehearsalChangeLoader.Load(new RehearsalRequest { TopologyPath = RehearsalFixtures.Topology, VaultImage = "hashicorp/vault:1.19.0", Runtime = "docker" }, RehearsalFixtures.Guard());

        Assert.Multiple(() =>
        {
            Assert.That(change.ChangesVersion, Is.True);
            Assert.That(change.Description, Is.EqualTo("Vault image: hashicorp/vault:1.19.0"));
            Assert.That(RehearsalAnalyzer.Names(change.ChangedPlan), Is.EqualTo(RehearsalAnalyzer.Names(change.BasePlan)));
        });
    }
}
