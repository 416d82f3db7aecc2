namespace Sandbox.Harness.Reporting;

/// <summary>
/// What a rehearsed change altered, as the report's diff section shows it. Rehearse fills the
/// names and capabilities from replay's drift check and the policy diff; the scenario and timing
/// parts can be computed from the two runs with <see cref="FindScenarioRegressions"/> and
/// <see cref="FindTimingRegressions"/>.
/// </summary>
public sealed record RehearsalDiff
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
    /// Timings present in both runs that grew by more than <paramref name="factor"/> and by at
    /// least <paramref name="minimumIncreaseMs"/> (so that jitter on tiny timings is not a regression).
    /// </summary>
    /// <param name="baseline">The baseline run.</param>
    /// <param name="after">The run after the change.</param>
    /// <param name="factor">Allowed growth factor. The default value is 1.5.</param>
    /// <param name="minimumIncreaseMs">Smallest increase that counts. The default value is 250 ms.</param>
    /// <returns>The regressions, in baseline order.</returns>
    public static IReadOnlyList<TimingRegression> FindTimingRegressions(
        IEnumerable<ScenarioResult> baseline,
        IEnumerable<ScenarioResult> after,
        double factor = 1.5,
        double minimumIncreaseMs = 250)
    {
        ArgumentNullException.ThrowIfNull(baseline);
        ArgumentNullException.ThrowIfNull(after);
        ArgumentOutOfRangeException.ThrowIfLessThan(factor, 1.0);
        ArgumentOutOfRangeException.ThrowIfNegative(minimumIncreaseMs);
        var afterByName = after.GroupBy(r => r.Name, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Last(), StringComparer.Ordinal);
        var found = new List<TimingRegression>();
        foreach (var before in baseline)
        {
            if (!afterByName.TryGetValue(before.Name, out var changed))
            {
                continue;
            }

            foreach (var (timing, beforeMs) in before.Timings)
            {
                if (changed.Timings.TryGetValue(timing, out var afterMs)
                    && afterMs > beforeMs * factor
                    && afterMs - beforeMs >= minimumIncreaseMs)
                {
                    found.Add(new TimingRegression(before.Name, timing, beforeMs, afterMs));
                }
            }
        }

        return found;
    }
}
