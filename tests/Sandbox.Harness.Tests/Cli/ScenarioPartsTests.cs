extern alias sandboxcli;

using System.Xml.Linq;
using NUnit.Framework;
using Sandbox.Harness.Reporting;
using sandboxcli::Sandbox.Cli.Drills;

namespace Sandbox.Harness.Tests.CommandLine;

/// <summary>Suites run in parallel leave one report part each; the merge leaves the report one process would have left.</summary>
[TestFixture]
public sealed class ScenarioPartsTests
{
    private string _report = null!;

    [SetUp]
    public void SetUp() => _report = Directory.CreateTempSubdirectory("sandbox-parts-").FullName;

    [TearDown]
    public void TearDown() => Directory.Delete(_report, recursive: true);

    [Test]
    [CancelAfter(10_000)]
    public async Task Merge_KeepsEveryPartsScenariosLogsAndTests_AndTheParallelWallTime(CancellationToken cancellationToken)
    {
        var a = Part("SealedRestart", "sealed-restart/kill-9-restart", "sbx-a", """{"caller":"a"}""", """{"kind":"vault-restart","ms":1200}""", "runtime-a");
        var b = Part("LeaseExpiry", "lease-expiry/webapp", "sbx-b", """{"caller":"b"}""", """{"kind":"ttl-wait","ms":5000}""", "runtime-b");

        await ScenarioParts.MergeAsync(_report, [a, b, Path.Combine(_report, "raw", "parts", "NeverRan")], TimeSpan.FromMilliseconds(7250), cancellationToken);

        var raw = Path.Combine(_report, "raw");
        var junit = XDocument.Load(Path.Combine(_report, EvidencePack.NUnitJUnitFileName));
        Assert.Multiple(() =>
        {
            Assert.That(Directory.GetFiles(Path.Combine(_report, EvidencePack.ScenariosFolder)).Select(Path.GetFileName), Is.EquivalentTo(new[] { "sealed-restart-kill-9-restart.json", "lease-expiry-webapp.json" }));
            Assert.That(File.ReadAllLines(Path.Combine(raw, "guard-audit.jsonl")), Is.EqualTo(new[] { """{"caller":"a"}""", """{"caller":"b"}""" }), "every part's audit lines, part after part");
            Assert.That(File.ReadAllLines(Path.Combine(raw, "waits.jsonl")), Has.Length.EqualTo(2));
            Assert.That(Directory.GetFiles(Path.Combine(raw, "vault-logs")).Select(Path.GetFileName), Is.EquivalentTo(new[] { "sbx-a.log", "sbx-b.log" }));
            Assert.That(File.ReadAllText(Path.Combine(raw, "run.json")), Does.Contain("runtime-a"), "the first part's run description");
            Assert.That(File.ReadAllText(Path.Combine(raw, "test-run.json")), Does.Contain("\"wallMs\": 7250"), "the parallel phase's wall time, not the parts' sum (3000 + 4000)");
            Assert.That(junit.Root!.Name.LocalName, Is.EqualTo("testsuites"));
            Assert.That(junit.Root.Elements("testsuite").Select(e => (string?)e.Attribute("name")), Is.EqualTo(new[] { "SealedRestart", "LeaseExpiry" }));
        });
    }

    private string Part(string suite, string scenario, string sandbox, string audit, string wait, string runtime)
    {
        var part = Path.Combine(_report, "raw", "parts", suite);
        Directory.CreateDirectory(Path.Combine(part, EvidencePack.ScenariosFolder));
        Directory.CreateDirectory(Path.Combine(part, "raw", "vault-logs"));
        File.WriteAllText(Path.Combine(part, EvidencePack.ScenariosFolder, scenario.Replace('/', '-') + ".json"), "{}");
        File.WriteAllText(Path.Combine(part, "raw", "guard-audit.jsonl"), audit + "\n");
        File.WriteAllText(Path.Combine(part, "raw", "waits.jsonl"), wait + "\n");
        File.WriteAllText(Path.Combine(part, "raw", "vault-logs", sandbox + ".log"), "log of " + sandbox);
        File.WriteAllText(Path.Combine(part, "raw", "run.json"), $$"""{"runtime":"{{runtime}}"}""");
        File.WriteAllText(Path.Combine(part, "raw", "test-run.json"), suite == "SealedRestart" ? """{"wallMs": 3000}""" : """{"wallMs": 4000}""");
        File.WriteAllText(
            Path.Combine(part, EvidencePack.NUnitJUnitFileName),
            $"""<?xml version="1.0" encoding="utf-8"?><testsuites><testsuite name="{suite}" tests="1"><testcase name="{scenario}" /></testsuite></testsuites>""");
        return part;
    }

    [Test]
    [CancelAfter(5_000)]
    public void Group_DealsEverySuiteIntoOneProcessPerSlot_LongestFirst_AndKeepsTheirOrder(CancellationToken cancellationToken)
    {
        var suites = DrillSuites.Categories.Values.ToList();

        var groups = ScenarioParts.Group(suites, 2);

        Assert.Multiple(() =>
        {
            Assert.That(groups, Has.Count.EqualTo(2), "two processes for two slots, not one per suite");
            Assert.That(groups.SelectMany(g => g), Is.EquivalentTo(suites), "every suite exactly once");
            var longest = DrillSuites.TypicalSeconds.OrderByDescending(s => s.Value).Take(2).Select(s => s.Key).ToList();
            Assert.That(groups.Single(g => g.Contains(longest[0])), Does.Not.Contain(longest[1]), "the two longest suites are in different processes");
            Assert.That(groups.Select(g => g.Sum(s => DrillSuites.TypicalSeconds[s])).Max(), Is.LessThanOrEqualTo(DrillSuites.TypicalSeconds.Values.Sum() / 2 + DrillSuites.TypicalSeconds.Values.Min()), "the groups are balanced within one small suite");
            foreach (var group in groups)
            {
                Assert.That(group, Is.EqualTo(suites.Where(group.Contains)), "a group keeps the order the suites were given in");
            }
        });
    }

    [Test]
    [CancelAfter(5_000)]
    public void Group_WithMoreSlotsThanSuites_RunsEachSuiteAlone_AndWithOneSlot_AllTogether(CancellationToken cancellationToken)
    {
        string[] three = ["LeaseExpiry", "NameParity", "SealedRestart"];

        Assert.Multiple(() =>
        {
            Assert.That(ScenarioParts.Group(three, 4), Is.EqualTo(new[] { new[] { "LeaseExpiry" }, new[] { "NameParity" }, new[] { "SealedRestart" } }));
            Assert.That(ScenarioParts.Group(three, 1), Is.EqualTo(new[] { three }));
            Assert.That(ScenarioParts.Group(["SomeNewSuite", "Denylist"], 2), Has.Count.EqualTo(2), "a suite without a typical time still gets a process");
            Assert.Throws<ArgumentOutOfRangeException>(() => ScenarioParts.Group(three, 0));
        });
    }

    [Test]
    [CancelAfter(5_000)]
    public void Describe_NamesThePartFolderAndFiltersEveryCategoryOfTheGroup(CancellationToken cancellationToken)
    {
        var (name, filter) = ScenarioParts.Describe(["LeaseExpiry", "Denylist"]);

        Assert.Multiple(() =>
        {
            Assert.That(name, Is.EqualTo("LeaseExpiry+Denylist"));
            Assert.That(filter, Is.EqualTo("TestCategory=LeaseExpiry|TestCategory=Denylist"));
        });
    }
}
