using Sandbox.Harness.Reporting;
using Sandbox.Harness.Topology;

namespace Sandbox.Harness.Rehearsal;

/// <summary>
/// What a change does to the names and the capabilities, and which NO-GO rules it breaks, worked
/// out from the base and changed plans alone (no Vault). Made by <see cref="RehearsalAnalyzer.Analyze"/>.
/// </summary>
internal sealed record StaticAnalysis
{
    /// <summary>Vault names the change adds (<c>kvv2/</c>, <c>auth/jwt/role/gitea_cicd_billing</c>, <c>sys/policies/acl/billing</c>, ...).</summary>
    public required IReadOnlyList<string> NamesAdded { get; init; }

    /// <summary>Vault names the change removes.</summary>
    public required IReadOnlyList<string> NamesRemoved { get; init; }

    /// <summary>Per role, what its tokens can do before and after on every probe path.</summary>
    public required IReadOnlyList<TokenCapabilityDiff> TokenDiffs { get; init; }

    /// <summary>The same, flattened for the report: token (<c>&lt;app&gt;</c> or <c>&lt;app&gt;-ops</c>), path, gained, lost.</summary>
    public required IReadOnlyList<PolicyCapabilityChange> CapabilityChanges { get; init; }

    /// <summary>Rules the changed topology breaks; <see cref="RuleViolation.New"/> marks those the change introduces.</summary>
    public required IReadOnlyList<RuleViolation> Violations { get; init; }

    /// <summary>Rules the base topology already breaks (production as it is).</summary>
    public required IReadOnlyList<RuleViolation> BaselineViolations { get; init; }

    /// <summary>The ids of every rule checked (built-in, TTL and the rules file's).</summary>
    public required IReadOnlyList<string> RulesChecked { get; init; }

    /// <summary>NO-GO when the change introduces a violation; GO otherwise.</summary>
    public RehearsalVerdict Verdict => Violations.Any(v => v.New) ? RehearsalVerdict.NoGo : RehearsalVerdict.Go;

    /// <summary>One sentence per violation the change introduces.</summary>
    public IReadOnlyList<string> Reasons => [.. Violations.Where(v => v.New).Select(v => v.Message)];

    /// <summary>One sentence per violation that production already has (not held against the change).</summary>
    public IReadOnlyList<string> Notes => [.. Violations.Where(v => !v.New).Select(v => "already in the base topology: " + v.Message)];
}
