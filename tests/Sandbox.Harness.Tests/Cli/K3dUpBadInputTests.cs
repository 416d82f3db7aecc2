using NUnit.Framework;
using Sandbox.Harness.Runtimes;
using Sandbox.Harness.Runtimes.Process;

// Not "...Tests.Cli": a namespace named Cli would shadow CliWrap's Cli.Wrap in every test of this project.
namespace Sandbox.Harness.Tests.CommandLine;

/// <summary>
/// <c>sandbox up --runtime k3d</c> refuses what the cluster could never take before anything starts:
/// recording k3d, kubectl, helm and docker stand-ins come first on PATH, and none of them is run.
/// </summary>
[TestFixture]
[NonParallelizable]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class K3dUpBadInputTests() : CliHomeFixture("sandbox-k3d-input-")
{
    private string _tools = null!;
    private string? _savedPath;

    private string Calls => Path.Combine(_tools, "calls");

    [SetUp]
    public void PutRecordingToolsFirstOnPath()
    {
        _tools = Path.Combine(Home, "tools");
        Directory.CreateDirectory(_tools);
        foreach (var tool in new[] { "k3d", "kubectl", "helm", "docker" })
        {
            // Records the call and answers nothing: enough to show whether 'up' got as far as running a tool.
            var path = Path.Combine(_tools, tool);
            File.WriteAllText(path, $"#!/bin/bash\necho \"{tool} $*\" >> '{Calls}'\nexit 0\n");
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        _savedPath = Environment.GetEnvironmentVariable("PATH");
        Environment.SetEnvironmentVariable("PATH", _tools + Path.PathSeparator + _savedPath);
    }

    [TearDown]
    public void RestorePath() => Environment.SetEnvironmentVariable("PATH", _savedPath);

    [TestCase("slug: webapp", "slug: Web_App", "\"slug\" value \"Web_App\" is not a valid name", "use lower-case letters, digits and '-'")]
    [TestCase("slug: webapp", "slug: webapp\n    serviceAccount: web_app", "\"serviceAccount\" value \"web_app\" is not a valid name: a DNS-1123 subdomain", "use dot-separated parts of lower-case letters, digits and '-'")]
    [CancelAfter(60000)]
    public async Task Up_K3d_WithAnAppNameKubernetesRefuses_ExitsInvalidInput_NamingTheFileAppAndFix_AndRunsNoTool(
        string line, string replacement, string problem, string fix, CancellationToken cancellationToken)
    {
        var topology = await TopologyCopyAsync(line, replacement, cancellationToken);

        var result = await CliRunner.RunAsync(cancellationToken, "up", "--runtime", "k3d", "--name", "never", "--home", Home, "--topology", topology);

        var said = result.Output + result.Error;
        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.EqualTo((int)ExitCode.InvalidInput), said);
            Assert.That(said, Does.Contain(topology + ":"), "the file and the line");
            Assert.That(said, Does.Contain(problem));
            Assert.That(said, Does.Contain(fix));
            Assert.That(File.Exists(Calls), Is.False, "no tool was run: " + (File.Exists(Calls) ? File.ReadAllText(Calls) : string.Empty));
            Assert.That(Directory.Exists(Path.Combine(Home, ".sandbox", "never")), Is.False, "no sandbox was created");
        });
    }

    [Test]
    [CancelAfter(60000)]
    public async Task Up_K3d_WithANameLongerThanK3dTakes_ExitsInvalidInput_WithTheLimitAndTheFix_AndRunsNoTool(CancellationToken cancellationToken)
    {
        // The k3d cluster is named after the sandbox; k3d takes at most 32 characters (pkg/types/defaults.go
        // DefaultClusterNameMaxLength), and sandbox names stop at 30.
        var name = "lab-" + new string('x', 29);

        var result = await CliRunner.RunAsync(cancellationToken, "up", "--runtime", "k3d", "--no-replay", "--name", name, "--home", Home);

        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.EqualTo((int)ExitCode.InvalidInput), result.Output + result.Error);
            Assert.That(result.Error, Does.Contain($"'{name}'").And.Contain("33 characters, more than 30"));
            Assert.That(result.Error, Does.Contain("Fix: use --name with 1-30 characters"));
            Assert.That(File.Exists(Calls), Is.False, "no tool was run");
        });
    }

    [Test]
    [CancelAfter(60000)]
    public async Task Up_K3d_WithAGoodTopology_DoesRunTheToolsFirstOnPath(CancellationToken cancellationToken)
    {
        // The other tests' "no tool was run" means something only if 'up' finds these tools.
        var topology = await TopologyCopyAsync("slug: webapp", "slug: webapp", cancellationToken);

        var result = await CliRunner.RunAsync(cancellationToken, "up", "--runtime", "k3d", "--name", "never", "--home", Home, "--topology", topology);

        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.Not.Zero, "the stand-ins answer nothing, so preflight fails");
            Assert.That(File.Exists(Calls), Is.True, result.Output + result.Error);
            Assert.That(File.Exists(Calls) ? File.ReadAllLines(Calls) : [], Has.Some.StartWith("docker version").And.Some.StartWith("k3d version"));
        });
    }

    /// <summary>The fixture topology (with its policies folder) copied into the home, one line replaced.</summary>
    private async Task<string> TopologyCopyAsync(string line, string replacement, CancellationToken cancellationToken)
    {
        var fixtures = Path.Combine(SandboxCheckout.FindRoot(TestContext.CurrentContext.TestDirectory)!, "fixtures");
        var folder = Path.Combine(Home, "topology");
        Directory.CreateDirectory(Path.Combine(folder, "policies"));
        foreach (var policy in Directory.EnumerateFiles(Path.Combine(fixtures, "policies")))
        {
            File.Copy(policy, Path.Combine(folder, "policies", Path.GetFileName(policy)));
        }

        var text = await File.ReadAllTextAsync(Path.Combine(fixtures, "topology.yaml"), cancellationToken);
        Assert.That(text, Does.Contain("  - " + line + "\n"), "the fixture still has the line this test changes");
        var file = Path.Combine(folder, "topology.yaml");
        await File.WriteAllTextAsync(file, text.Replace("  - " + line + "\n", "  - " + replacement + "\n", StringComparison.Ordinal), cancellationToken);
        return file;
    }
}
