using NUnit.Framework;
using Sandbox.Harness.Runtimes.K3d;
using Sandbox.Harness.Tests.Topology;
using Sandbox.Harness.Topology;

namespace Sandbox.Harness.Tests.Runtimes;

/// <summary>
/// The k3d runtime's check of an app's Kubernetes names, per object kind as the API server checks
/// them (k8s.io/apimachinery/pkg/api/validation/generic.go): a Namespace's name is a DNS-1123 label
/// (no dots, at most 63), a ServiceAccount's a DNS-1123 subdomain (dots allowed, at most 253).
/// </summary>
[TestFixture]
public sealed class VsoManifestsNameTests
{
    private static TopologySpec WithApp(Func<AppSpec, AppSpec> change)
    {
        var topology = TopologyLoader.Load(TopologyWorkspace.FixtureTopology);
        return topology with { Apps = [change(topology.Apps[0]), .. topology.Apps.Skip(1)] };
    }

    [Test]
    [CancelAfter(30000)]
    public void Validate_AcceptsADottedServiceAccount_AsKubernetesDoes_AndRendersIt(CancellationToken cancellationToken)
    {
        var dotted = "webapp.runtime.v2";
        var longest = string.Join('.', Enumerable.Repeat(new string('a', 63), 4))[..253].TrimEnd('.');
        var topology = WithApp(a => a with { ServiceAccount = dotted });

        Assert.Multiple(() =>
        {
            Assert.DoesNotThrow(() => VsoManifests.Validate(topology));
            Assert.DoesNotThrow(() => VsoManifests.Validate(WithApp(a => a with { ServiceAccount = longest })), $"{longest.Length} characters");
            Assert.That(VsoManifests.Render(topology, topology.Apps[0]), Does.Contain($"serviceAccountName: \"{dotted}\"").And.Contain($"serviceAccount: \"{dotted}\""));
        });
        cancellationToken.ThrowIfCancellationRequested();
    }

    [TestCase("Web_App", "web-app", "DNS-1123 subdomain")]
    [TestCase("web..app", "web.app", "DNS-1123 subdomain")]
    [TestCase(".webapp", "webapp", "DNS-1123 subdomain")]
    [TestCase("webapp-.runtime", "webapp.runtime", "DNS-1123 subdomain")]
    [CancelAfter(30000)]
    public void Validate_RefusesAServiceAccountThatIsNoSubdomain_NamingTheFieldTheValueAndTheFix(string value, string fix, string rule, CancellationToken cancellationToken)
    {
        var e = Assert.Throws<TopologyAppNameException>(() => VsoManifests.Validate(WithApp(a => a with { ServiceAccount = value })))!;

        Assert.Multiple(() =>
        {
            Assert.That(e.ExitCode, Is.EqualTo(ExitCode.InvalidInput));
            Assert.That(e.Message, Does.Contain($"serviceAccount '{value}'").And.Contain(rule).And.Contain("topology.yaml:"));
            Assert.That(e.Message, Does.Contain($"Fix: rename the app's serviceAccount in the topology, for example '{fix}'"));
            Assert.That(VsoManifests.IsDns1123Subdomain(fix), Is.True, "the suggested fix is itself accepted");
        });
        cancellationToken.ThrowIfCancellationRequested();
    }

    [Test]
    [CancelAfter(30000)]
    public void Validate_RefusesAServiceAccountLongerThan253(CancellationToken cancellationToken)
    {
        var value = string.Join('.', Enumerable.Repeat(new string('a', 63), 5))[..254];
        var e = Assert.Throws<TopologyAppNameException>(() => VsoManifests.Validate(WithApp(a => a with { ServiceAccount = value })))!;

        Assert.That(e.Message, Does.Contain("serviceAccount '" + value + "'").And.Contain("at most 253 characters"));
        cancellationToken.ThrowIfCancellationRequested();
    }

    [TestCase("web.app", "web-app")]
    [TestCase("Web_App", "web-app")]
    [CancelAfter(30000)]
    public void Validate_RefusesANamespaceThatIsNoLabel_DotsIncluded_NamingTheFieldTheValueAndTheFix(string value, string fix, CancellationToken cancellationToken)
    {
        var e = Assert.Throws<TopologyAppNameException>(() => VsoManifests.Validate(WithApp(a => a with { Namespace = value })))!;

        Assert.Multiple(() =>
        {
            Assert.That(e.ExitCode, Is.EqualTo(ExitCode.InvalidInput));
            Assert.That(e.Message, Does.Contain($"namespace '{value}'").And.Contain("DNS-1123 label").And.Contain("no dots"));
            Assert.That(e.Message, Does.Contain($"Fix: rename the app's namespace in the topology, for example '{fix}'"));
            Assert.That(VsoManifests.IsDns1123Label(fix), Is.True, "the suggested fix is itself accepted");
        });
        cancellationToken.ThrowIfCancellationRequested();
    }

    [Test]
    [CancelAfter(30000)]
    public void Validate_RefusesANamespaceLongerThan63_ThoughA64CharacterServiceAccountIsFine(CancellationToken cancellationToken)
    {
        var name = new string('a', 64);
        var e = Assert.Throws<TopologyAppNameException>(() => VsoManifests.Validate(WithApp(a => a with { Namespace = name })))!;

        Assert.Multiple(() =>
        {
            Assert.That(e.Message, Does.Contain($"namespace '{name}'").And.Contain("at most 63"));
            Assert.DoesNotThrow(() => VsoManifests.Validate(WithApp(a => a with { ServiceAccount = name })));
        });
        cancellationToken.ThrowIfCancellationRequested();
    }
}
