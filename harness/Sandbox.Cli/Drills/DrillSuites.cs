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

    /// <summary>The chaos suite's category.</summary>
    public const string ChaosCategory = "Chaos";

    /// <summary>Every accepted drill name, for help and errors.</summary>
    public static string Known => string.Join("|", Categories.Keys.Append("all"));

    /// <summary>The <c>dotnet test --filter</c> expression for a drill name (<c>all</c> = every suite but chaos).</summary>
    public static string FilterFor(string drill) => drill == "all"
        ? $"TestCategory!={ChaosCategory}"
        : $"TestCategory={Categories[drill]}";
}
