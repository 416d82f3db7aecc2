using System.Globalization;
using System.Xml.Linq;
using Sandbox.Harness.Guard;
using Sandbox.Harness.Reporting;

namespace Sandbox.Cli.Drills;

/// <summary>
/// Groups the suites of a parallel run into processes (<see cref="Group"/>), and merges the report parts
/// of the groups that ran in parallel (one <c>dotnet test</c> each, its evidence in
/// <c>raw/parts/&lt;suite&gt;[+&lt;suite&gt;…]</c>) into the report folder, as one process would have left it:
/// <list type="bullet">
/// <item><c>scenarios/*.json</c>: every part's scenario files (their names are the scenarios' names, unique across suites);</item>
/// <item><c>raw/guard-audit.jsonl</c> and <c>raw/waits.jsonl</c>: every part's lines, part after part;</item>
/// <item><c>raw/vault-logs/</c>: every sandbox's Vault log (named by sandbox, unique);</item>
/// <item><c>raw/run.json</c> and <c>raw/run-denylist.yaml</c>: the first part's (every part runs the same runtime, Vault and denylist);</item>
/// <item><c>raw/test-run.json</c>: the wall time of the parallel phase, not a sum;</item>
/// <item><c>nunit-junit.xml</c>: one <c>testsuites</c> holding every part's <c>testsuite</c> elements.</item>
/// </list>
/// Each part keeps its own canary, whose count its own run asserts at zero (after every test of every suite in it).
/// Every part file is read, and every merged file written, through the file guard.
/// </summary>
internal static class ScenarioParts
{
    private const string Caller = "scenario-parts";

    /// <summary>The weight of a suite <see cref="DrillSuites.TypicalSeconds"/> does not know.</summary>
    private const double UnknownSuiteSeconds = 3;

    /// <summary>
    /// Deals <paramref name="suites"/> into at most <paramref name="processes"/> groups, one <c>dotnet test</c>
    /// each: every <c>dotnet test</c> costs a start-up (the test host, discovery, the run's canary and guard),
    /// so the suites share as few processes as can run at once. Longest first, each to the group with the
    /// least work so far (by <see cref="DrillSuites.TypicalSeconds"/>), so the groups end at about the same
    /// time; a group keeps its suites in the order given.
    /// </summary>
    /// <param name="suites">The suites' categories, each once.</param>
    /// <param name="processes">How many processes may run at once (at least 1).</param>
    /// <returns>The non-empty groups, in the order of their first suite in <paramref name="suites"/>.</returns>
    public static IReadOnlyList<IReadOnlyList<string>> Group(IReadOnlyList<string> suites, int processes)
    {
        ArgumentNullException.ThrowIfNull(suites);
        ArgumentOutOfRangeException.ThrowIfLessThan(processes, 1);
        double Weight(string suite) => DrillSuites.TypicalSeconds.TryGetValue(suite, out var seconds) ? seconds : UnknownSuiteSeconds;
        var groups = Enumerable.Range(0, Math.Min(processes, suites.Count)).Select(_ => new List<string>()).ToList();
        var load = new double[groups.Count];
        foreach (var suite in suites.Select((s, i) => (Suite: s, Index: i)).OrderByDescending(s => Weight(s.Suite)).ThenBy(s => s.Index).Select(s => s.Suite))
        {
            var least = Array.IndexOf(load, load.Min());
            groups[least].Add(suite);
            load[least] += Weight(suite);
        }

        var order = suites.Select((s, i) => (s, i)).ToDictionary(x => x.s, x => x.i, StringComparer.Ordinal);
        return [.. groups.Where(g => g.Count > 0).Select(g => (IReadOnlyList<string>)[.. g.OrderBy(s => order[s])]).OrderBy(g => order[g[0]])];
    }

    /// <summary>A group's part folder name and <c>dotnet test --filter</c>: <c>A+B</c> and <c>TestCategory=A|TestCategory=B</c>.</summary>
    /// <param name="group">The group's categories.</param>
    public static (string Name, string Filter) Describe(IReadOnlyList<string> group)
    {
        ArgumentNullException.ThrowIfNull(group);
        return (string.Join("+", group), string.Join("|", group.Select(s => "TestCategory=" + s)));
    }

    private static readonly string[] Concatenated = ["guard-audit.jsonl", "waits.jsonl"];
    private static readonly string[] FirstWins = ["run.json", "run-denylist.yaml"];

    /// <summary>Merges <paramref name="parts"/> (in this order) into <paramref name="report"/>.</summary>
    /// <param name="report">The report folder.</param>
    /// <param name="parts">The parts' folders.</param>
    /// <param name="wall">How long the parallel phase took.</param>
    /// <param name="cancellationToken">Cancels the merge.</param>
    public static async Task MergeAsync(string report, IReadOnlyList<string> parts, TimeSpan wall, CancellationToken cancellationToken)
    {
        var raw = Path.Combine(report, "raw");
        var scenarios = Path.Combine(report, EvidencePack.ScenariosFolder);
        Directory.CreateDirectory(raw);
        Directory.CreateDirectory(scenarios);
        var junit = new List<XElement>();
        var guard = SandboxGuard.ForFiles;
        foreach (var part in parts.Where(Directory.Exists))
        {
            CopyFiles(Path.Combine(part, EvidencePack.ScenariosFolder), scenarios);
            CopyFiles(Path.Combine(part, "raw", "vault-logs"), Path.Combine(raw, "vault-logs"));
            foreach (var name in Concatenated)
            {
                var source = Path.Combine(part, "raw", name);
                if (guard.FileExists(source, Caller))
                {
                    var text = await guard.ReadAllTextAsync(source, Caller, cancellationToken);
                    guard.EnsureFileAllowed(Path.Combine(raw, name), Caller);
                    await File.AppendAllTextAsync(Path.Combine(raw, name), text, cancellationToken);
                }
            }

            foreach (var name in FirstWins)
            {
                var source = Path.Combine(part, "raw", name);
                if (guard.FileExists(source, Caller) && !guard.FileExists(Path.Combine(raw, name), Caller))
                {
                    Copy(guard, source, Path.Combine(raw, name), FileMode.CreateNew);
                }
            }

            var partJunit = Path.Combine(part, EvidencePack.NUnitJUnitFileName);
            if (guard.FileExists(partJunit, Caller))
            {
                XElement? root;
                using (var stream = guard.OpenFile(partJunit, FileMode.Open, FileAccess.Read, Caller))
                {
                    root = XDocument.Load(stream).Root;
                }

                junit.AddRange(root?.Name.LocalName == "testsuite" ? [root] : root?.Elements("testsuite") ?? []);
            }
        }

        guard.EnsureFileAllowed(Path.Combine(raw, "test-run.json"), Caller);
        await File.WriteAllTextAsync(
            Path.Combine(raw, "test-run.json"),
            $"{{\"wallMs\": {wall.TotalMilliseconds.ToString("0", CultureInfo.InvariantCulture)}}}\n",
            cancellationToken);
        if (junit.Count > 0)
        {
            using var output = guard.OpenFile(Path.Combine(report, EvidencePack.NUnitJUnitFileName), FileMode.Create, FileAccess.Write, Caller);
            new XDocument(new XElement("testsuites", junit)).Save(output);
        }
    }

    private static void CopyFiles(string from, string to)
    {
        if (!Directory.Exists(from))
        {
            return;
        }

        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from))
        {
            Copy(SandboxGuard.ForFiles, file, Path.Combine(to, Path.GetFileName(file)), FileMode.Create);
        }
    }

    /// <summary>Copies a file, both ends through the file guard.</summary>
    private static void Copy(SandboxGuard guard, string source, string destination, FileMode mode)
    {
        using var input = guard.OpenFile(source, FileMode.Open, FileAccess.Read, Caller);
        using var output = guard.OpenFile(destination, mode, FileAccess.Write, Caller);
        input.CopyTo(output);
    }
}
