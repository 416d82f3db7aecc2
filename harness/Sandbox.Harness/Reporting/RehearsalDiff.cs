namespace Sandbox.Harness.Reporting;

/// <summary>
/// What a rehearsed change altered, as the report's diff section shows it. Rehearse fills the
/// names and capabilities from replay's drift check and the policy diff; the scenario and timing
/// parts can be computed from the two runs with <see cref="FindScenarioRegressions"/> and
/// <see cref="FindTimingRegressions"/>.
/// </summary>
internal sealed record RehearsalDiff
{
    /// <summary>Names (mounts, auth paths, roles, policies) the change adds. The default value is empty.</summary>
    public IReadOnlyList<string> NamesAdded { get; init; } = [];

    /// <summary>Names the change removes. The default value is empty.</summary>
    public IReadOnlyList<string> NamesRemoved { get; init; } = [];

    /// <summary>Per-policy, per-path capability changes. The default value is empty.</summary>
    public IReadOnlyList<PolicyCapabilityChange> CapabilityChanges { get; init; } = [];

    /// <summary>Scenarios that passed in the baseline and failed after the change. The default value is empty.</summary>
    public IReadOnlyList<string> ScenariosPassToFail { get; init; } = [];

    /// <summary>Timings that got worse beyond the threshold. The default value is empty.</summary>
    public IReadOnlyList<TimingRegression> TimingRegressions { get; init; } = [];

    /// <summary>Names of scenarios that passed in <paramref name="baseline"/> and failed (or were missing) in <paramref name="after"/>.</summary>
    /// <param name="baseline">The baseline run.</param>
    /// <param name="after">The run after the change.</param>
    /// <returns>The scenario names, in baseline order.</returns>
    public static IReadOnlyList<string> FindScenarioRegressions(IEnumerable<ScenarioResult> baseline, IEnumerable<ScenarioResult> after)
    {
        ArgumentNullException.ThrowIfNull(baseline);
        ArgumentNullException.ThrowIfNull(after);
        var afterByName = after.GroupBy(r => r.Name, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Last(), StringComparer.Ordinal);
        return [.. baseline
            .Where(b => b.Passed && (!afterByName.TryGetValue(b.Name, out var a) || !a.Passed))
            .Select(b => b.Name)
            .Distinct(StringComparer.Ordinal)];
    }

    /// <summary>
    /// Timings present in both runs that <paramref name="rule"/> judges a regression: repeated
    /// samples each side (<see cref="ScenarioResult.SamplesOf"/>), a regression only when the
    /// difference stands above the noise they show. A timing measured once a side is never judged.
    /// </summary>
    /// <param name="baseline">The baseline run.</param>
    /// <param name="after">The run after the change.</param>
    /// <param name="rule">The rule. The default value is a <see cref="TimingRule"/> with its defaults.</param>
    /// <returns>The regressions, in baseline order.</returns>
    public static IReadOnlyList<TimingRegression> FindTimingRegressions(
        IEnumerable<ScenarioResult> baseline,
        IEnumerable<ScenarioResult> after,
        TimingRule? rule = null)
    {
        ArgumentNullException.ThrowIfNull(baseline);
        ArgumentNullException.ThrowIfNull(after);
        rule ??= new TimingRule();
        var afterByName = after.GroupBy(r => r.Name, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Last(), StringComparer.Ordinal);
        var found = new List<TimingRegression>();
        foreach (var before in baseline)
        {
            if (!afterByName.TryGetValue(before.Name, out var changed))
            {
                continue;
            }

            foreach (var timing in before.Timings.Keys)
            {
                var afterSamples = changed.SamplesOf(timing);
                if (afterSamples.Count > 0 && rule.Judge(before.Name, timing, before.SamplesOf(timing), afterSamples) is { } regression)
                {
                    found.Add(regression);
                }
            }
        }

        return found;
    }
}
