using System.Text.Json.Serialization;

namespace Sandbox.Harness.Reporting;

/// <summary>
/// The outcome of one scenario, chaos round or rehearse check, as stored in
/// <c>scenarios/&lt;name&gt;.json</c> and summarised in <c>summary.json</c>.
/// Build it with <see cref="ScenarioTimeline.ToResult"/> so that every text has been filtered.
/// </summary>
/// <param name="Name">The scenario's name, e.g. <c>sealed-restart/kill</c>.</param>
/// <param name="Verdict">Passed or failed.</param>
/// <param name="FailureMessage">Why it failed, or <see langword="null"/>.</param>
/// <param name="StartedAt">When it started.</param>
/// <param name="EndedAt">When it ended.</param>
/// <param name="Timings">Timing name → milliseconds (see <see cref="TimingNames"/>).</param>
/// <param name="Events">The timeline.</param>
internal sealed record ScenarioResult(
    string Name,
    ScenarioVerdict Verdict,
    string? FailureMessage,
    DateTimeOffset StartedAt,
    DateTimeOffset EndedAt,
    IReadOnlyDictionary<string, double> Timings,
    IReadOnlyList<TimelineEvent> Events)
{
    /// <summary>The suite the scenario belongs to (JUnit's testsuite name). The default value is <see langword="null"/> (grouped as <c>sandbox</c>).</summary>
    public string? Suite { get; init; }

    /// <summary>How many secret-looking fragments were redacted from this result. The default value is 0.</summary>
    public int Redactions { get; init; }

    /// <summary>
    /// Every sample of a timing measured more than once (rehearse repeats its timed checks), name →
    /// milliseconds; <see cref="Timings"/> then holds their median. The default value is
    /// <see langword="null"/>: each timing was measured once.
    /// </summary>
    public IReadOnlyDictionary<string, IReadOnlyList<double>>? TimingSamples { get; init; }

    /// <summary>Wall time of the scenario in milliseconds.</summary>
    public double DurationMs => Math.Round((EndedAt - StartedAt).TotalMilliseconds, 3);

    /// <summary>Whether the verdict is <see cref="ScenarioVerdict.Passed"/>.</summary>
    [JsonIgnore]
    public bool Passed => Verdict == ScenarioVerdict.Passed;

    /// <summary>The samples of one timing: <see cref="TimingSamples"/> when it has them, else the one value of <see cref="Timings"/>.</summary>
    /// <param name="timing">The timing's name.</param>
    /// <returns>The samples in milliseconds; empty when the scenario has no such timing.</returns>
    public IReadOnlyList<double> SamplesOf(string timing) =>
        TimingSamples is not null && TimingSamples.TryGetValue(timing, out var samples) && samples.Count > 0 ? samples
        : Timings.TryGetValue(timing, out var ms) ? [ms]
        : [];
}
