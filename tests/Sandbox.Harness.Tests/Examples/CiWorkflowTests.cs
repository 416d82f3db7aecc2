using System.Text;
using NUnit.Framework;
using Sandbox.Harness.Tests.CommandLine;
using YamlDotNet.RepresentationModel;

namespace Sandbox.Harness.Tests.Examples;

/// <summary>
/// The example workflows under <c>examples/ci/</c> parse as workflows, and every <c>sandbox</c>
/// command they run exists in the CLI with every option they pass (asked of the CLI's own help).
/// </summary>
[TestFixture]
public sealed class CiWorkflowTests
{
    private static readonly string Folder = Path.Combine(SandboxCheckout.FindRoot(AppContext.BaseDirectory)!, "examples", "ci");

    private static IEnumerable<string> Workflows() =>
        Directory.EnumerateFiles(Path.Combine(SandboxCheckout.FindRoot(AppContext.BaseDirectory)!, "examples", "ci"), "*.yaml").Select(Path.GetFileName)!;

    [Test]
    public void TheExamples_HoldTheNightlyChaosRun_AndTheRehearsalOnPullRequests()
    {
        Assert.That(Workflows(), Is.SupersetOf(new[] { "nightly-chaos.yaml", "rehearse-pr.yaml" }));
    }

    [TestCaseSource(nameof(Workflows))]
    [CancelAfter(60_000)]
    public async Task EverySandboxCommand_ExistsInTheCli_WithItsOptions(string workflow, CancellationToken cancellationToken)
    {
        var commands = SandboxCommands(Load(workflow)).ToList();
        Assert.That(commands, Is.Not.Empty, $"{workflow} runs no sandbox command");
        foreach (var (verb, options, line) in commands)
        {
            var (code, help, error) = await CliRunner.RunAsync(cancellationToken, [.. verb, "--help"]);
            Assert.That(code, Is.Zero, $"{workflow}: 'sandbox {string.Join(' ', verb)}' is not a command of the CLI ({line}): {error}");
            foreach (var option in options)
            {
                Assert.That(help, Does.Contain(option + " ").Or.Contain(option + "\n").Or.Contain(option + "\r"), $"{workflow}: 'sandbox {string.Join(' ', verb)}' has no option {option} ({line})");
            }
        }
    }

    [Test]
    public void TheNightlyRun_IsScheduled_PrintsADateSeed_UploadsEvidenceAndJUnit_AndSaysWhenItRanOnTheDouble()
    {
        var text = File.ReadAllText(Path.Combine(Folder, "nightly-chaos.yaml"));
        var root = Load("nightly-chaos.yaml");
        var on = (YamlMappingNode)root.Children[new YamlScalarNode("on")];
        Assert.Multiple(() =>
        {
            Assert.That(on.Children.ContainsKey(new YamlScalarNode("schedule")), Is.True, "a schedule trigger");
            Assert.That(text, Does.Contain("date -u +%Y%m%d"), "a date-derived seed");
            Assert.That(text, Does.Contain("--seed \"${{ steps.seed.outputs.seed }}\""), "the printed seed is the one the run uses");
            Assert.That(text, Does.Contain("out/chaos/junit.xml"), "JUnit for the CI's test view");
            Assert.That(text, Does.Contain("upload-artifact"), "the evidence pack is uploaded");
            Assert.That(text, Does.Contain("NOT HashiCorp Vault"), "a run on the double says so");
            Assert.That(text, Does.Contain("--runtime auto"), "the most real runtime the runner has");
        });
    }

    [Test]
    public void TheRehearsal_RunsOnPullRequestsTouchingTopologyOrPolicies_AndWritesTheDiffToTheJobSummary()
    {
        var text = File.ReadAllText(Path.Combine(Folder, "rehearse-pr.yaml"));
        var on = (YamlMappingNode)Load("rehearse-pr.yaml").Children[new YamlScalarNode("on")];
        var paths = (YamlSequenceNode)((YamlMappingNode)on.Children[new YamlScalarNode("pull_request")]).Children[new YamlScalarNode("paths")];
        Assert.Multiple(() =>
        {
            Assert.That(paths.Children.Select(p => p.ToString()), Is.SupersetOf(new[] { "fixtures/topology.yaml", "fixtures/policies/**" }));
            Assert.That(text, Does.Contain("GITHUB_STEP_SUMMARY"), "the capability diff goes to the job summary");
            Assert.That(text, Does.Contain("12)"), "NO-GO (exit 12) fails the job");
        });
    }

    private static YamlMappingNode Load(string workflow)
    {
        var stream = new YamlStream();
        using var reader = new StreamReader(Path.Combine(Folder, workflow));
        stream.Load(reader);
        var root = (YamlMappingNode)stream.Documents[0].RootNode;
        Assert.That(root.Children.ContainsKey(new YamlScalarNode("jobs")), Is.True, $"{workflow} has no jobs");
        return root;
    }

    /// <summary>Every <c>sandbox</c> / <c>./sandbox</c> invocation in the <c>run:</c> steps: its verb words and its <c>--options</c>.</summary>
    private static IEnumerable<(string[] Verb, string[] Options, string Line)> SandboxCommands(YamlMappingNode workflow)
    {
        var jobs = (YamlMappingNode)workflow.Children[new YamlScalarNode("jobs")];
        foreach (var job in jobs.Children.Values.Cast<YamlMappingNode>())
        {
            if (!job.Children.TryGetValue(new YamlScalarNode("steps"), out var steps))
            {
                continue;
            }

            foreach (var step in ((YamlSequenceNode)steps).Children.Cast<YamlMappingNode>())
            {
                if (!step.Children.TryGetValue(new YamlScalarNode("run"), out var run))
                {
                    continue;
                }

                foreach (var raw in run.ToString().Replace("\\\n", " ", StringComparison.Ordinal).Split('\n'))
                {
                    var words = Split(raw.Trim());
                    var at = words.FindIndex(w => w is "./sandbox" or "sandbox");
                    if (at < 0 || raw.TrimStart().StartsWith('#') || raw.Contains("echo", StringComparison.Ordinal))
                    {
                        continue;
                    }

                    var rest = words.Skip(at + 1).ToList();
                    var verb = rest.TakeWhile(w => !w.StartsWith('-')).Take(rest.Count > 0 && rest[0] == "guard" ? 2 : 1).ToArray();
                    yield return (verb, [.. rest.Where(w => w.StartsWith("--", StringComparison.Ordinal))], raw.Trim());
                }
            }
        }
    }

    /// <summary>Splits a shell line into words, keeping quoted strings (with <c>${{ }}</c>) whole.</summary>
    private static List<string> Split(string line)
    {
        var words = new List<string>();
        var current = new StringBuilder();
        char? quote = null;
        foreach (var c in line)
        {
            if (quote is null && c is '"' or '\'')
            {
                quote = c;
            }
            else if (c == quote)
            {
                quote = null;
            }
            else if (quote is null && char.IsWhiteSpace(c))
            {
                if (current.Length > 0)
                {
                    words.Add(current.ToString());
                    current.Clear();
                }
            }
            else
            {
                current.Append(c);
            }
        }

        if (current.Length > 0)
        {
            words.Add(current.ToString());
        }

        return words;
    }
}
