using Sandbox.Harness.Reporting;

namespace Sandbox.Harness.Lab;

/// <summary>
/// Records one scenario of the user's own: its timeline (<see cref="Step"/>, <see cref="Fault"/>,
/// <see cref="Observe"/>, <see cref="Asserted"/>, <see cref="Recover"/>, <see cref="Note"/>, and
/// timings between <see cref="Mark"/>s), and <see cref="CompleteAsync"/> to write its result into the
/// report folder beside the built-in suites' results. Every text passes the secret filter. Safe to
/// call from several threads.
/// </summary>
public sealed class ScenarioRecorder
{
    private readonly EvidenceWriter _evidence;
    private bool _completed;

    internal ScenarioRecorder(string name, string suite, EvidenceWriter evidence, TimeProvider timeProvider)
    {
        Name = name;
        Suite = suite;
        _evidence = evidence;
        Timeline = new ScenarioTimeline(timeProvider);
    }

    /// <summary>The scenario's name in the report.</summary>
    public string Name { get; }

    /// <summary>The suite the report groups it under.</summary>
    public string Suite { get; }

    /// <summary>The scenario's timeline.</summary>
    internal ScenarioTimeline Timeline { get; }

    /// <summary>Records a step the scenario takes.</summary>
    /// <param name="text">What it does (not a secret; secrets are redacted anyway).</param>
    /// <param name="data">Optional key/value details.</param>
    public void Step(string text, IReadOnlyDictionary<string, string>? data = null) => Timeline.Step(text, data);

    /// <summary>Records a fault the scenario injects (a restart, a lost key…).</summary>
    /// <param name="text">The fault.</param>
    /// <param name="data">Optional key/value details.</param>
    public void Fault(string text, IReadOnlyDictionary<string, string>? data = null) => Timeline.Fault(text, data);

    /// <summary>Records something the scenario observed.</summary>
    /// <param name="text">The observation.</param>
    /// <param name="data">Optional key/value details.</param>
    public void Observe(string text, IReadOnlyDictionary<string, string>? data = null) => Timeline.Observe(text, data);

    /// <summary>Records what the scenario asserted.</summary>
    /// <param name="text">The assertion, in words.</param>
    /// <param name="data">Optional key/value details.</param>
    public void Asserted(string text, IReadOnlyDictionary<string, string>? data = null) => Timeline.Asserted(text, data);

    /// <summary>Records a recovery step (an unseal, a restart of the database…).</summary>
    /// <param name="text">The recovery step.</param>
    /// <param name="data">Optional key/value details.</param>
    public void Recover(string text, IReadOnlyDictionary<string, string>? data = null) => Timeline.Recover(text, data);

    /// <summary>Records a note.</summary>
    /// <param name="text">The note.</param>
    /// <param name="data">Optional key/value details.</param>
    public void Note(string text, IReadOnlyDictionary<string, string>? data = null) => Timeline.Note(text, data);

    /// <summary>Marks the current instant under <paramref name="name"/>, for <see cref="Measure"/> and <see cref="MeasureSince"/>.</summary>
    /// <param name="name">The mark's name, e.g. <c>killed</c>.</param>
    /// <returns>The instant marked.</returns>
    public DateTimeOffset Mark(string name) => Timeline.Mark(name);

    /// <summary>Records the time between two marks as the timing <paramref name="name"/> (in the report's timings, in milliseconds).</summary>
    /// <param name="name">The timing's name, e.g. <c>time_sealed</c>.</param>
    /// <param name="startMark">The mark it starts at.</param>
    /// <param name="endMark">The mark it ends at.</param>
    /// <returns>The timing in milliseconds.</returns>
    /// <exception cref="ArgumentException">A mark was never set, or the end precedes the start.</exception>
    public double Measure(string name, string startMark, string endMark) => Timeline.Measure(name, startMark, endMark);

    /// <summary>Records the time from a mark until now as the timing <paramref name="name"/>.</summary>
    /// <param name="name">The timing's name.</param>
    /// <param name="startMark">The mark it starts at.</param>
    /// <returns>The timing in milliseconds.</returns>
    /// <exception cref="ArgumentException">The mark was never set.</exception>
    public double MeasureSince(string name, string startMark) => Timeline.MeasureSince(name, startMark);

    /// <summary>Writes the scenario's result to <c>scenarios/&lt;name&gt;.json</c> in the report folder. Call it once, with the verdict the test reached.</summary>
    /// <param name="passed">Whether the scenario passed.</param>
    /// <param name="failureMessage">Why it failed (not a secret), or <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>The path written.</returns>
    /// <exception cref="InvalidOperationException">The scenario was already completed.</exception>
    public Task<string> CompleteAsync(bool passed, string? failureMessage = null, CancellationToken cancellationToken = default)
    {
        if (_completed)
        {
            throw new InvalidOperationException($"Scenario '{Name}' was already completed.");
        }

        _completed = true;
        var verdict = passed ? ScenarioVerdict.Passed : ScenarioVerdict.Failed;
        return _evidence.WriteScenarioAsync(Timeline.ToResult(Name, verdict, passed ? null : failureMessage ?? "failed", Suite), cancellationToken);
    }
}
