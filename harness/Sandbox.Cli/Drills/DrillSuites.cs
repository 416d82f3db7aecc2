namespace Sandbox.Cli.Drills;

/// <summary>The drill names the CLI accepts and the NUnit categories of the scenario suites they run.</summary>
internal static class DrillSuites
{
    /// <summary>Drill name → NUnit category in scenarios/Sandbox.Scenarios.</summary>
    public static readonly IReadOnlyDictionary<string, string> Categories = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["sealed-restart"] = "SealedRestart",
        ["lease-expiry"] = "LeaseExpiry",
        ["lost-key"] = "LostKey",
        ["broken-unseal"] = "BrokenUnseal",
        ["name-parity"] = "NameParity",
        ["denylist"] = "Denylist",
        ["recovery-order"] = "RecoveryOrder",
    };

    /// <summary>
    /// About how long each suite's <c>dotnet test</c> runs on an idle 2-core machine (its sandboxes'
    /// starts and replays, its waits), in seconds, as <c>drill all --parallel 2</c> timed them (every
    /// scenario's start and end in the report; bench/README.md, "drill"); only the grouping of suites
    /// into processes uses it (<see cref="ScenarioParts.Group"/>), so a wrong figure costs time, never a
    /// test. Lease expiry runs its three tests at once: three sandbox starts, then the longest lease
    /// wait, about 10 s, during which its process uses almost no CPU. The others run their tests one
    /// after another, each fresh sandbox about 1 s. Broken unseal's figure includes the test host's
    /// start, which it paid as the first suite of its process when these were timed.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, double> TypicalSeconds = new Dictionary<string, double>(StringComparer.Ordinal)
    {
        ["LeaseExpiry"] = 13,
        ["LostKey"] = 4.5,
        ["BrokenUnseal"] = 3.5,
        ["RecoveryOrder"] = 2.2,
        ["SealedRestart"] = 2,
        ["NameParity"] = 1.5,
        ["Denylist"] = 0.7,
    };

    /// <summary>The chaos suite's category.</summary>
    public const string ChaosCategory = "Chaos";

    /// <summary>Every accepted drill name, for help and errors.</summary>
    public static string Known => string.Join("|", Categories.Keys.Append("all"));

    /// <summary>The <c>dotnet test --filter</c> expression for a drill name (<c>all</c> = every suite but chaos).</summary>
    public static string FilterFor(string drill) => drill == "all"
        ? $"TestCategory!={ChaosCategory}"
        : $"TestCategory={Categories[drill]}";
}
