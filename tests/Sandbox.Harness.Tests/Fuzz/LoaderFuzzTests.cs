using System.Text;
using NUnit.Framework;
using Sandbox.Harness.Faults;
using Sandbox.Harness.Guard;
using Sandbox.Harness.Keys;
using Sandbox.Harness.Keys.Internal;
using Sandbox.Harness.Rehearsal;
using Sandbox.Harness.Tests.Keys;
using Sandbox.Harness.Topology;

namespace Sandbox.Harness.Tests.Fuzz;

/// <summary>
/// Every loader of user input survives 10,000 mutated inputs built from its valid fixtures: it either
/// accepts the input or refuses it with its own typed error (which the CLI maps to exit 4 with
/// <c>file:line:column</c>, the problem and the fix) — never another exception, which the CLI would
/// report as exit 1, "Internal error".
/// </summary>
[TestFixture]
[Category("Fuzz")]
[Parallelizable(ParallelScope.Children)]
public sealed class LoaderFuzzTests
{
    private static readonly string Root = SandboxCheckout.FindRoot(AppContext.BaseDirectory)
        ?? throw new InvalidOperationException("no checkout (Sandbox.sln) above the test assembly");

    private string _dir = null!;

    [OneTimeSetUp]
    public void OneTimeSetUp()
    {
        _dir = Path.Combine(Path.GetTempPath(), "sandbox-fuzz-" + Guid.NewGuid().ToString("N")[..8]);
        CopyFolder(Path.Combine(Root, "fixtures", "policies"), Path.Combine(_dir, "policies"));
        CopyFolder(Path.Combine(Root, "fixtures", "changes"), Path.Combine(_dir, "changes"));
        File.Copy(Path.Combine(Root, "fixtures", "topology.yaml"), Path.Combine(_dir, "topology.yaml"));
    }

    [OneTimeTearDown]
    public void OneTimeTearDown() => Directory.Delete(_dir, recursive: true);

    [Test]
    [CancelAfter(300_000)]
    public void Topology_MutatedFiles_AreAcceptedOrRefusedWithATopologyException(CancellationToken cancellationToken)
    {
        var file = Path.Combine(_dir, "fuzzed-topology.yaml");
        var outcome = LoaderFuzz.Run(
            [File.ReadAllText(Path.Combine(_dir, "topology.yaml"))],
            InputDialect.Yaml,
            text =>
            {
                cancellationToken.ThrowIfCancellationRequested();
                LoaderFuzz.WriteFile(file, text);
                _ = TopologyLoader.Load(file);
            },
            e => e is TopologyException);

        AssertSurvived(outcome, "fuzzed-topology.yaml:");
    }

    [Test]
    [CancelAfter(300_000)]
    public void Denylist_MutatedTexts_AreAcceptedOrRefusedWithADenylistException(CancellationToken cancellationToken)
    {
        var outcome = LoaderFuzz.Run(
            [File.ReadAllText(Path.Combine(Root, "fixtures", "denylist.yaml"))],
            InputDialect.Yaml,
            text =>
            {
                cancellationToken.ThrowIfCancellationRequested();
                _ = Denylist.Parse(text, "fuzzed-denylist.yaml");
            },
            e => e is DenylistException);

        AssertSurvived(outcome, "fuzzed-denylist.yaml");
    }

    [Test]
    [CancelAfter(300_000)]
    public void ChangeFiles_MutatedOverlays_AreAcceptedOrRefusedWithTheChangeLoadersErrors(CancellationToken cancellationToken)
    {
        var changes = Path.Combine(_dir, "changes");
        var file = Path.Combine(changes, "fuzzed-change.yaml");
        var valid = new[] { "harmless.yaml", "widen-webapp.yaml", "short-ttl.yaml", "prod-endpoint.yaml" }
            .Select(f => File.ReadAllText(Path.Combine(changes, f))).ToArray();
        using var audit = GuardAuditLog.InMemory();
        var guard = new SandboxGuard(Denylist.BuiltIn, audit);
        var request = new RehearsalRequest { Changes = [file], TopologyPath = Path.Combine(_dir, "topology.yaml"), Runtime = "process" };

        var outcome = LoaderFuzz.Run(
            valid,
            InputDialect.Yaml,
            text =>
            {
                cancellationToken.ThrowIfCancellationRequested();
                LoaderFuzz.WriteFile(file, text);
                _ = RehearsalChangeLoader.Load(request, guard);
            },
            // A change that names a production endpoint is refused by the guard (exit 3) — also its own typed error.
            e => e is RehearsalChangeException or RehearsalGuardException);

        AssertSurvived(outcome, "fuzzed-change.yaml");
    }

    [Test]
    [CancelAfter(300_000)]
    public void NoGoRules_MutatedTexts_AreAcceptedOrRefusedWithARehearsalChangeException(CancellationToken cancellationToken)
    {
        const string Valid = """
            # NO-GO rules added to the built-in ones
            deny:
              - { policy: "<app>", path: "kvv2/data/*", capability: read }
              - policy: "*"
                capability: [sudo, delete]
              - policy: "<app>-ops"
                path: "transit/keys/+"
                capability: [update]
            foreignAccess: ["<app>-ops"]
            ttl:
              refreshBudget: 30s
            """;

        var outcome = LoaderFuzz.Run(
            [Valid],
            InputDialect.Yaml,
            text =>
            {
                cancellationToken.ThrowIfCancellationRequested();
                _ = NoGoRuleSet.Parse(text, "fuzzed-rules.yaml");
            },
            e => e is RehearsalChangeException);

        AssertSurvived(outcome, "fuzzed-rules.yaml");
    }

    [Test]
    [CancelAfter(300_000)]
    public void KeyFile_MutatedBytes_AreAcceptedOrRefusedWithAKeyFileException(CancellationToken cancellationToken)
    {
        var one = KeyFileSamples.Random(1, 1);
        var three = KeyFileSamples.Random(3, 2);
        byte[][] valid =
        [
            Encoding.UTF8.GetBytes(KeyFileSamples.VaultCliOutput(one.UnsealKeysHex[0], one.UnsealKeysB64[0])),
            System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(three, KeyFileParser.WriteOptions),
        ];

        var outcome = LoaderFuzz.RunBytes(
            valid,
            InputDialect.Json,
            bytes =>
            {
                cancellationToken.ThrowIfCancellationRequested();
                _ = KeyFileParser.Parse("fuzzed-cluster-keys.json", bytes);
            },
            e => e is KeyFileException);

        AssertSurvived(outcome, "fuzzed-cluster-keys.json");
        Assert.That(outcome.Messages.Where(m => m.Contains(one.UnsealKeysB64[0], StringComparison.Ordinal) || m.Contains(one.UnsealKeysHex[0], StringComparison.Ordinal)), Is.Empty, "no message shows a key");
    }

    [Test]
    [CancelAfter(300_000)]
    public void ChaosPlan_MutatedPlans_AreAcceptedOrRefusedWithAChaosPlanException(CancellationToken cancellationToken)
    {
        var valid = new[] { ChaosPlan.Create(42, 5).Describe(), ChaosPlan.Create(7, 12).Describe() };

        var outcome = LoaderFuzz.Run(
            valid,
            InputDialect.Lines,
            text =>
            {
                cancellationToken.ThrowIfCancellationRequested();
                _ = ChaosPlan.Parse(text, "fuzzed-plan.txt");
            },
            e => e is ChaosPlanException);

        AssertSurvived(outcome, "fuzzed-plan.txt");
    }

    internal static void AssertSurvived(FuzzOutcome outcome, string source)
    {
        Assert.Multiple(() =>
        {
            Assert.That(outcome.Crashes, Is.Empty, outcome.Report());
            Assert.That(outcome.Refused, Is.GreaterThan(LoaderFuzz.Inputs / 10), "the mutations reach the loader's error paths: " + outcome.Report());
            Assert.That(outcome.Messages.Where(m => !m.Contains(source, StringComparison.Ordinal)).Take(5), Is.Empty, "every refusal names the file");
        });
    }

    private static void CopyFolder(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from))
        {
            File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        }

        foreach (var dir in Directory.GetDirectories(from))
        {
            CopyFolder(dir, Path.Combine(to, Path.GetFileName(dir)));
        }
    }
}
