extern alias sandboxcli;

using NUnit.Framework;
using sandboxcli::Sandbox.Cli.Drills;

namespace Sandbox.Harness.Tests.CommandLine;

/// <summary>The drill and chaos verbs' command lines (the runs themselves are the scenario suites).</summary>
[TestFixture]
public sealed class DrillCommandTests
{
    [Test]
    [CancelAfter(30_000)]
    public async Task Drill_WithAnUnknownSuite_ExitsWithUsageAndListsTheDrills(CancellationToken cancellationToken)
    {
        var (code, _, error) = await CliRunner.RunAsync(cancellationToken, "drill", "sealed-restrat");

        Assert.That(code, Is.EqualTo((int)ExitCode.Usage));
        Assert.That(error, Does.Contain("'sealed-restrat' is not a drill").And.Contain("sealed-restart|lease-expiry|lost-key|broken-unseal|name-parity|denylist|recovery-order|all"));
    }

    [Test]
    [CancelAfter(30_000)]
    public async Task Drill_WithAnUnknownRuntime_ExitsWithUsage(CancellationToken cancellationToken)
    {
        var (code, _, error) = await CliRunner.RunAsync(cancellationToken, "drill", "all", "--runtime", "podman");

        Assert.That(code, Is.EqualTo((int)ExitCode.Usage));
        Assert.That(error, Does.Contain("--runtime 'podman' is not a runtime"));
    }

    [TestCase("0")]
    [TestCase("65")]
    [CancelAfter(30_000)]
    public async Task Drill_WithParallelOutOfRange_ExitsWithUsage_NamingTheRange(string parallel, CancellationToken cancellationToken)
    {
        var (code, _, error) = await CliRunner.RunAsync(cancellationToken, "drill", "all", "--parallel", parallel);

        Assert.That(code, Is.EqualTo((int)ExitCode.Usage));
        Assert.That(error, Does.Contain($"--parallel {parallel} is out of range").And.Contain("from 1 to 64"));
    }

    [Test]
    [CancelAfter(5_000)]
    public void EveryScenarioSuiteFile_CarriesExactlyOneDrillCategory_SoParallelPartsLeaveNoTestOut(CancellationToken cancellationToken)
    {
        // With --parallel, 'drill all' runs one 'TestCategory=X' filter per drill instead of 'TestCategory!=Chaos':
        // a test without one of the drills' categories would silently not run.
        var root = sandboxcli::Sandbox.Cli.Drills.ScenarioRunner.FindRoot();
        var known = DrillSuites.Categories.Values.Append(DrillSuites.ChaosCategory).ToHashSet(StringComparer.Ordinal);
        Assert.Multiple(() =>
        {
            foreach (var file in Directory.GetFiles(Path.Combine(root, "scenarios", "Sandbox.Scenarios"), "*.cs", SearchOption.AllDirectories).Where(f => !f.Contains("/obj/", StringComparison.Ordinal) && !f.Contains("/bin/", StringComparison.Ordinal)))
            {
                var source = File.ReadAllText(file);
                if (!source.Contains("[Test", StringComparison.Ordinal))
                {
                    continue;
                }

                var categories = System.Text.RegularExpressions.Regex.Matches(source, "\\[Category\\(\"([^\"]+)\"\\)\\]").Select(m => m.Groups[1].Value).ToList();
                Assert.That(categories, Has.Count.EqualTo(1).And.All.Matches<string>(known.Contains), Path.GetFileName(file));
            }
        });
    }

    [Test]
    [CancelAfter(30_000)]
    public async Task Chaos_WithZeroRounds_ExitsWithUsage(CancellationToken cancellationToken)
    {
        var (code, _, error) = await CliRunner.RunAsync(cancellationToken, "chaos", "--rounds", "0");

        Assert.That(code, Is.EqualTo((int)ExitCode.Usage));
        Assert.That(error, Does.Contain("--rounds must be between 1 and"));
    }

    [TestCase("all", "TestCategory!=Chaos")]
    [TestCase("sealed-restart", "TestCategory=SealedRestart")]
    [TestCase("lease-expiry", "TestCategory=LeaseExpiry")]
    [TestCase("lost-key", "TestCategory=LostKey")]
    [TestCase("broken-unseal", "TestCategory=BrokenUnseal")]
    [TestCase("name-parity", "TestCategory=NameParity")]
    [TestCase("denylist", "TestCategory=Denylist")]
    [TestCase("recovery-order", "TestCategory=RecoveryOrder")]
    [CancelAfter(5_000)]
    public void FilterFor_MapsEachDrillToItsSuiteCategory(string drill, string filter, CancellationToken cancellationToken) =>
        Assert.That(DrillSuites.FilterFor(drill), Is.EqualTo(filter));

    [Test]
    [CancelAfter(5_000)]
    public void EveryDrillCategory_IsACategoryOfTheScenarioProject(CancellationToken cancellationToken)
    {
        // The suites declare their categories in source; a renamed category would make a drill run nothing.
        var root = sandboxcli::Sandbox.Cli.Drills.ScenarioRunner.FindRoot();
        var sources = string.Concat(Directory.GetFiles(Path.Combine(root, "scenarios", "Sandbox.Scenarios", "Suites"), "*.cs").Select(File.ReadAllText));
        foreach (var category in DrillSuites.Categories.Values.Append(DrillSuites.ChaosCategory))
        {
            Assert.That(sources, Does.Contain($"[Category(\"{category}\")]"), category);
        }
    }

    [Test]
    [CancelAfter(5_000)]
    public void MissingScenarioProject_IsAPreflightErrorNamingThePath(CancellationToken cancellationToken)
    {
        var e = ScenarioProjectNotFoundException.NoProject("/repo", "/repo/scenarios/Sandbox.Scenarios/Sandbox.Scenarios.csproj");

        Assert.That(e.ExitCode, Is.EqualTo(ExitCode.PreflightFailed));
        Assert.That(e.Message, Does.Contain("/repo/scenarios/Sandbox.Scenarios/Sandbox.Scenarios.csproj").And.Contain("Restore the folder"));
    }
}
