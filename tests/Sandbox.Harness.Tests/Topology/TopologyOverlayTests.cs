using NUnit.Framework;
using Sandbox.Harness.Policies;
using Sandbox.Harness.Topology;

namespace Sandbox.Harness.Tests.Topology;

[TestFixture]
public sealed class TopologyOverlayTests
{
    private TopologyWorkspace _ws = null!;
    private string _base = null!;

    [SetUp]
    public void SetUp()
    {
        _ws = new TopologyWorkspace();
        _base = _ws.Write("topology.yaml", TopologyWorkspace.Minimal("  - slug: webapp\n  - slug: erp\n    transit:\n      keys: [erp, erp-reports]\n"));
    }

    [TearDown]
    public void TearDown() => _ws.Dispose();

    [Test]
    [CancelAfter(10000)]
    public void Overlay_ChangesTtlsAddsAndRemovesApps(CancellationToken cancellationToken)
    {
        var overlay = _ws.Write("overlays/short-ttl.yaml", """
            apps:
              - slug: webapp
                database:
                  defaultTtl: 10s
                  maxTtl: 30s
              - slug: newapp
              - slug: erp
                remove: true
            """);

        var topology = TopologyLoader.Load(_base, overlay);

        Assert.Multiple(() =>
        {
            Assert.That(topology.Apps.Select(a => a.Slug), Is.EqualTo(new[] { "webapp", "newapp" }));
            Assert.That(topology.Apps[0].Database.DefaultTtl.Seconds, Is.EqualTo(10));
            Assert.That(topology.Apps[0].Database.MaxTtl.Seconds, Is.EqualTo(30));
            Assert.That(topology.Apps[1].Database.DefaultTtl.Seconds, Is.EqualTo(3600), "a new app takes the base defaults");
            Assert.That(topology.SourceFiles, Is.EqualTo(new[] { _base, overlay }));
        });
    }

    [Test]
    [CancelAfter(10000)]
    public void Overlay_MergesMappingsKeyByKeyAndKeepsTheRest(CancellationToken cancellationToken)
    {
        var overlay = _ws.Write("overlay.yaml", """
            auth:
              jwt:
                boundClaims:
                  ref: refs/heads/release
                tokenTtl: 5m
            apps:
              - slug: erp
                jwt:
                  boundClaims:
                    repository: org/erp-next
            """);

        var topology = TopologyLoader.Load(_base, overlay);

        var webapp = topology.Apps.Single(a => a.Slug == "webapp");
        var erp = topology.Apps.Single(a => a.Slug == "erp");
        Assert.Multiple(() =>
        {
            Assert.That(webapp.Jwt.BoundClaims["repository"], Is.EqualTo(new[] { "org/webapp" }), "base claim kept");
            Assert.That(webapp.Jwt.BoundClaims["ref"], Is.EqualTo(new[] { "refs/heads/release" }), "overlay claim added");
            Assert.That(webapp.Jwt.UserClaim, Is.EqualTo("sub"));
            Assert.That(webapp.JwtRole.TokenTtl!.Value.Seconds, Is.EqualTo(300));
            Assert.That(erp.Jwt.BoundClaims["repository"], Is.EqualTo(new[] { "org/erp-next" }), "the app's claim wins");
            Assert.That(erp.TransitKeys, Is.EqualTo(new[] { "erp", "erp-reports" }), "lists not in the overlay are kept");
        });
    }

    [Test]
    [CancelAfter(10000)]
    public void Overlay_PerAppPolicyTemplate_IsResolvedFromTheOverlaysFolder(CancellationToken cancellationToken)
    {
        _ws.Write("overlays/wide.hcl", "path \"kvv2/data/*\" { capabilities = [\"read\"] }\n");
        var overlay = _ws.Write("overlays/widen.yaml", """
            apps:
              - slug: webapp
                policies:
                  runtime: wide.hcl
            """);

        var before = TopologyLoader.Load(_base);
        var after = TopologyLoader.Load(_base, overlay);

        var diff = PolicyDiff.Compare(
            PolicyDocument.Parse(before.Apps[0].Policies["webapp"], "before"),
            PolicyDocument.Parse(after.Apps[0].Policies["webapp"], "after"));
        Assert.Multiple(() =>
        {
            Assert.That(diff.Changes.Any(c => c.Path == "kvv2/data/*" && c.Kind == PathChangeKind.Added), Is.True, diff.ToString());
            Assert.That(after.Apps.Single(a => a.Slug == "erp").Policies["erp"], Is.EqualTo(before.Apps.Single(a => a.Slug == "erp").Policies["erp"]));
        });
    }

    [Test]
    [CancelAfter(10000)]
    public void OverlayUnknownKey_NamesTheOverlayFileAndLine(CancellationToken cancellationToken)
    {
        var overlay = _ws.Write("overlay.yaml", "apps:\n  - slug: webapp\n    databse:\n      maxTtl: 1m\n");

        var ex = Assert.Throws<TopologyException>(() => TopologyLoader.Load(_base, overlay))!;

        Assert.Multiple(() =>
        {
            Assert.That(ex.File, Is.EqualTo(overlay));
            Assert.That(ex.Line, Is.EqualTo(3));
            Assert.That(ex.Problem, Does.Contain("unknown key \"databse\""));
        });
    }

    [Test]
    [CancelAfter(10000)]
    public void OverlayBadTtl_NamesTheOverlayFileAndLine(CancellationToken cancellationToken)
    {
        var overlay = _ws.Write("overlay.yaml", "database:\n  maxTtl: forever\n");

        var ex = Assert.Throws<TopologyException>(() => TopologyLoader.Load(_base, overlay))!;

        Assert.Multiple(() =>
        {
            Assert.That(ex.File, Is.EqualTo(overlay));
            Assert.That(ex.Line, Is.EqualTo(2));
            Assert.That(ex.Problem, Does.Contain("\"maxTtl\" value \"forever\" is not a duration"));
        });
    }

    [Test]
    [CancelAfter(10000)]
    public void OverlayDuplicateApp_NamesTheOverlayFile(CancellationToken cancellationToken)
    {
        var overlay = _ws.Write("overlay.yaml", "apps:\n  - slug: newapp\n  - slug: newapp\n");

        var ex = Assert.Throws<TopologyException>(() => TopologyLoader.Load(_base, overlay))!;

        Assert.Multiple(() =>
        {
            Assert.That(ex.File, Is.EqualTo(overlay));
            Assert.That(ex.Line, Is.EqualTo(3));
            Assert.That(ex.Problem, Does.Contain("duplicate app \"newapp\""));
        });
    }

    [Test]
    [CancelAfter(10000)]
    public void OverlayRemovingAnUnknownApp_IsRefused(CancellationToken cancellationToken)
    {
        var overlay = _ws.Write("overlay.yaml", "apps:\n  - slug: ghost\n    remove: true\n");

        var ex = Assert.Throws<TopologyException>(() => TopologyLoader.Load(_base, overlay))!;

        Assert.Multiple(() =>
        {
            Assert.That(ex.File, Is.EqualTo(overlay));
            Assert.That(ex.Problem, Does.Contain("removes app \"ghost\""));
        });
    }

    [Test]
    [CancelAfter(10000)]
    public void RemoveInTheBaseFile_IsAnUnknownKey(CancellationToken cancellationToken)
    {
        var path = _ws.Write("topology.yaml", TopologyWorkspace.Minimal("  - slug: webapp\n    remove: true\n"));

        var ex = Assert.Throws<TopologyException>(() => TopologyLoader.Load(path))!;

        Assert.That(ex.Problem, Does.Contain("unknown key \"remove\""));
    }
}
