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
