using System.Text.RegularExpressions;
using NUnit.Framework;
using Sandbox.Harness.Tests.CommandLine;

namespace Sandbox.Harness.Tests.Fuzz;

/// <summary>
/// Inputs that once made the YAML library itself throw (an unclosed flow sequence, a key-less ':'), given to
/// the CLI verbs that read them: exit 4 (InvalidInput) with <c>file:line:column</c> and a fix — never exit 1,
/// never a stack trace.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed partial class LoaderCliTests
{
    private const string UnclosedFlowSequence = "version: 1\nkv:\n  mount: [kvv2\n  mount: kvv2\n";
    private const string KeylessColon = "  - { policy: \"<app>\", path: \"kvv2/data/*\", capabi\ndeny:\n# x\n";

    private string _dir = null!;

    [SetUp]
    public void SetUp() => _dir = Directory.CreateTempSubdirectory("sandbox-loader-cli-").FullName;

    [TearDown]
    public void TearDown() => Directory.Delete(_dir, recursive: true);

    [Test]
    [CancelAfter(60_000)]
    public async Task Up_WithTheTopologyTypoFromTheManual_ExitsInvalidInput_WithItsPosition(CancellationToken cancellationToken)
    {
        var topology = await WriteAsync("t.yaml", UnclosedFlowSequence, cancellationToken);

        var result = await CliRunner.RunAsync(cancellationToken, "up", "--runtime", "process", "--name", "x", "--home", _dir, "--topology", topology);

        AssertRefused(result, "t.yaml");
        Assert.That(Directory.Exists(Path.Combine(_dir, ".sandbox", "x")), Is.False, "nothing was created");
    }

    [TestCase("denylist", UnclosedFlowSequence)]
    [TestCase("denylist", KeylessColon)]
    [TestCase("change", UnclosedFlowSequence)]
    [TestCase("change", KeylessColon)]
    [TestCase("rules", KeylessColon)]
    [CancelAfter(60_000)]
    public async Task Verbs_GivenYamlTheParserChokesOn_ExitInvalidInput_WithItsPosition(string kind, string content, CancellationToken cancellationToken)
    {
        var file = await WriteAsync($"bad-{kind}.yaml", content, cancellationToken);
        var root = SandboxCheckout.FindRoot(AppContext.BaseDirectory)!;
        var topology = Path.Combine(root, "fixtures", "topology.yaml");
        var harmless = Path.Combine(root, "fixtures", "changes", "harmless.yaml");

        var result = kind switch
        {
            "denylist" => await CliRunner.RunAsync(cancellationToken, "guard", "check", "127.0.0.1:8200", "--denylist", file),
            "change" => await CliRunner.RunAsync(cancellationToken, "rehearse", "--static", "--topology", topology, "--change", file),
            _ => await CliRunner.RunAsync(cancellationToken, "rehearse", "--static", "--topology", topology, "--change", harmless, "--rules", file),
        };

        AssertRefused(result, $"bad-{kind}.yaml");
    }

    private static void AssertRefused((int ExitCode, string Output, string Error) result, string fileName)
    {
        var all = result.Output + result.Error;
        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.EqualTo((int)ExitCode.InvalidInput), all);
            Assert.That(all, Does.Not.Contain("Internal error").And.Not.Contain("   at "), "no crash, no stack trace");
            Assert.That(Position().IsMatch(all.Replace("\n", " ", StringComparison.Ordinal)), Is.True, $"names {fileName} with line and column: {all}");
            Assert.That(all, Does.Contain(fileName));
            Assert.That(all, Does.Contain("ix"), "says what to do (Fix / fix)");
        });
    }

    private async Task<string> WriteAsync(string name, string content, CancellationToken cancellationToken)
    {
        var path = Path.Combine(_dir, name);
        await File.WriteAllTextAsync(path, content, cancellationToken);
        return path;
    }

    [GeneratedRegex(@"bad-\w+\.yaml:\d+:\d+|t\.yaml:\d+:\d+|line \d+, column \d+")]
    private static partial Regex Position();
}
