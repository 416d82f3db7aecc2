namespace Sandbox.Harness.Reporting;

/// <summary>Everything <see cref="EvidencePack.ComposeRehearsalAsync"/> puts side by side.</summary>
internal sealed record RehearsalEvidence
{
    /// <summary>GO or NO-GO.</summary>
    public required RehearsalVerdict Verdict { get; init; }

    /// <summary>Why (each NO-GO rule that fired, naming path or scenario). The default value is empty.</summary>
    public IReadOnlyList<string> Reasons { get; init; } = [];

    /// <summary>A one-line description of the change, e.g. <c>policy files: policies/app.hcl</c>. The default value is <see langword="null"/>.</summary>
    public string? Change { get; init; }

    /// <summary>The Vault of the baseline run when it differs (a version change). The default value is <see langword="null"/>: same as the run's.</summary>
    public VaultInfo? BaselineVault { get; init; }

    /// <summary>Scenario results before the change.</summary>
    public required IReadOnlyList<ScenarioResult> Baseline { get; init; }

    /// <summary>Scenario results after the change.</summary>
    public required IReadOnlyList<ScenarioResult> After { get; init; }

    /// <summary>What changed.</summary>
    public required RehearsalDiff Diff { get; init; }
}
