using Sandbox.Harness.Reporting;
using Sandbox.Harness.Topology;

namespace Sandbox.Harness.Rehearsal;

/// <summary>The result of a live rehearsal: both runs, the drift check, the diff and the verdict, and the evidence pack.</summary>
internal sealed record RehearsalOutcome
{
    /// <summary>GO or NO-GO.</summary>
    public required RehearsalVerdict Verdict { get; init; }

    /// <summary>Why NO-GO (empty on GO).</summary>
    public required IReadOnlyList<string> Reasons { get; init; }

    /// <summary>What was noticed but not held against the change.</summary>
    public required IReadOnlyList<string> Notes { get; init; }

    /// <summary>The runtime used.</summary>
    public required string Runtime { get; init; }

    /// <summary>The Vault used after the change.</summary>
    public required VaultInfo Vault { get; init; }

    /// <summary>Checks before the change (static and live).</summary>
    public required IReadOnlyList<ScenarioResult> Baseline { get; init; }

    /// <summary>Checks after the change (static, apply, live, drift).</summary>
    public required IReadOnlyList<ScenarioResult> After { get; init; }

    /// <summary>The drift check of the sandbox against the changed topology; null when it could not read the sandbox (the <c>drift</c> scenario says why).</summary>
    public DriftReport? Drift { get; init; }

    /// <summary>What changed.</summary>
    public required RehearsalDiff Diff { get; init; }

    /// <summary>The evidence pack.</summary>
    public required EvidencePackResult Pack { get; init; }
}
