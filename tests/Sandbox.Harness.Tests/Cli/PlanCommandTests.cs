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
}
