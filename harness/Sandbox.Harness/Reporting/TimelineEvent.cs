namespace Sandbox.Harness.Reporting;

/// <summary>
/// One entry of a <see cref="ScenarioTimeline"/>. Its text and data have passed the
/// <see cref="SecretFilter"/>; they are safe to write into the evidence pack.
/// </summary>
/// <param name="At">When it happened, from the timeline's <see cref="TimeProvider"/>.</param>
/// <param name="OffsetMs">Milliseconds since the timeline started.</param>
/// <param name="Kind">What kind of entry it is.</param>
/// <param name="Phase">The phase the scenario was in (for a <see cref="TimelineEventKind.Phase"/> entry: the phase it entered).</param>
/// <param name="Text">A short human sentence; never a secret.</param>
/// <param name="Data">Optional name/value details; never secrets.</param>
internal sealed record TimelineEvent(
    DateTimeOffset At,
    double OffsetMs,
    TimelineEventKind Kind,
    ScenarioPhase Phase,
    string Text,
    IReadOnlyDictionary<string, string>? Data = null);
