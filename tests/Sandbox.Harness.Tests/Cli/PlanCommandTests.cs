using System.Diagnostics;
using System.Text.Json.Nodes;
using NUnit.Framework;

namespace Sandbox.Harness.Tests.CommandLine;

/// <summary><c>sandbox up --plan DIR</c> and <c>sandbox doctor --images</c> through the CLI: exit codes and what they write.</summary>
[TestFixture]
public sealed class PlanCommandTests
{
    private string _root = null!;

    [SetUp]
    public void SetUp()
    {
        _root = Path.Combine(Path.GetTempPath(), "sandbox-plan-cli-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(_root);
    }

    [TearDown]
    public void TearDown() => Directory.Delete(_root, recursive: true);

    [Test]
    [CancelAfter(60000)]
    public async Task UpPlan_K3d_ExitsZero_WritesPlanJson_AndStartsNothing(CancellationToken cancellationToken)
    {
        var plan = Path.Combine(_root, "plan");
        var watch = Stopwatch.StartNew();
        var result = await CliRunner.RunAsync(cancellationToken, "up", "--runtime", "k3d", "--name", "lab-1", "--plan", plan, "--home", _root, "--json");
        watch.Stop();

        Assert.That(result.ExitCode, Is.Zero, result.Error);
        var json = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(plan, "plan.json"), cancellationToken))!;
        Assert.Multiple(() =>
        {
            Assert.That(json["runtime"]!.GetValue<string>(), Is.EqualTo("k3d"));
            Assert.That(Directory.Exists(Path.Combine(_root, ".sandbox")), Is.False, "no sandbox state");
            Assert.That(result.Output, Does.Contain("plan.json"));
        });
        TestContext.Out.WriteLine($"up --plan (in-process, k3d, fixture topology): {watch.ElapsedMilliseconds} ms");
    }

    [Test]
    [CancelAfter(60000)]
    public async Task UpPlan_WithADenylistedImage_ExitsThree_AndWritesNothing(CancellationToken cancellationToken)
    {
        var plan = Path.Combine(_root, "plan");
        var result = await CliRunner.RunAsync(cancellationToken, "up", "--runtime", "docker", "--name", "lab-1", "--plan", plan, "--home", _root,
            "--vault-image", "vault.arcodange.lab/hashicorp/vault:2.0.4");

        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.EqualTo((int)ExitCode.GuardBlocked), result.Error);
            Assert.That(result.Error, Does.Contain("vault.arcodange.lab"));
            Assert.That(Directory.Exists(plan), Is.False);
        });
    }

    [Test]
    [CancelAfter(60000)]
    public async Task DoctorImages_ListsEveryImageAK3dSandboxNeeds(CancellationToken cancellationToken)
    {
        var result = await CliRunner.RunAsync(cancellationToken, "doctor", "--images", "--json");

        Assert.That(result.ExitCode, Is.Zero, result.Error);
        var images = JsonNode.Parse(result.Output)!["images"]!.AsArray().Select(i => i!["image"]!.GetValue<string>()).ToList();
        Assert.That(images, Is.SupersetOf(new[]
        {
            "hashicorp/vault:2.0.4", "postgres:15", "hashicorp/vault-secrets-operator:1.4.1", "quay.io/brancz/kube-rbac-proxy:v0.18.1", Sandbox.Harness.Runtimes.RuntimeVersions.K3sImage,
        }));
        Assert.That(images, Has.Some.Contains("k3s-airgap-images"), "the k3s system images");
    }

    [Test]
    [CancelAfter(60000)]
    public async Task DoctorImages_NamesEachK3sSystemImage_WithWhereItsTagIs_AndNoneTheClusterDisables(CancellationToken cancellationToken)
    {
        var json = await CliRunner.RunAsync(cancellationToken, "doctor", "--images", "--json");
        var text = await CliRunner.RunAsync(cancellationToken, "doctor", "--images");

        Assert.That(json.ExitCode, Is.Zero, json.Error);
        var entries = JsonNode.Parse(json.Output)!["images"]!.AsArray().Select(i => (Image: i!["image"]!.GetValue<string>(), NeededBy: i["neededBy"]!.GetValue<string>())).ToList();
        var tag = ":<tag in k3s-images.txt of k3s v1.34.1+k3s1>";
        string[] system =
        [
            "docker.io/rancher/mirrored-pause", "docker.io/rancher/mirrored-coredns-coredns", "docker.io/rancher/local-path-provisioner",
            "docker.io/rancher/mirrored-library-busybox", "docker.io/rancher/mirrored-metrics-server",
        ];
        Assert.Multiple(() =>
        {
            Assert.That(entries.Select(e => e.Image), Is.SupersetOf(system.Select(s => s + tag)), "each k3s system image by name, its tag where the pinned release lists it");
            Assert.That(entries.Where(e => e.Image.EndsWith(tag, StringComparison.Ordinal)).Select(e => e.NeededBy), Has.All.StartWith("k3s system image: ").And.All.Length.GreaterThan(25));
            Assert.That(entries.Select(e => e.Image), Has.Some.EqualTo("k3s-airgap-images-amd64.tar.zst of k3s v1.34.1+k3s1"), "the archive that holds them with their tags");
            Assert.That(entries.Select(e => e.Image), Has.None.Contains("traefik").And.None.Contains("klipper-helm").And.None.Contains("klipper-lb"),
                "k3d/cluster.yaml disables traefik (the only klipper-helm charts) and has no LoadBalancer Service");
            Assert.That(File.ReadAllText(Path.Combine(SandboxCheckout.FindRoot(TestContext.CurrentContext.TestDirectory)!, "k3d", "cluster.yaml")),
                Does.Contain("--disable=traefik"), "what leaves traefik and klipper-helm out");
            Assert.That(text.ExitCode, Is.Zero, text.Error);
            // The console may wrap a long line at a space: compare with runs of white space made one.
            var flat = System.Text.RegularExpressions.Regex.Replace(text.Output, @"\s+", " ");
            foreach (var image in system)
            {
                Assert.That(flat, Does.Contain(image + tag), "the text listing names it too");
            }
        });
    }
}
