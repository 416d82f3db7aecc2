using Sandbox.Harness.Reporting;

namespace Sandbox.Harness.Lab;

/// <summary>
/// Records one scenario of the user's own: a <see cref="ScenarioTimeline"/> to write steps, faults,
/// observations and timings into, and <see cref="CompleteAsync"/> to write its result into the
/// report folder beside the built-in suites' results. Every text passes the secret filter.
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

    /// <summary>The scenario's timeline: <see cref="ScenarioTimeline.Step"/>, <see cref="ScenarioTimeline.Fault"/>, <see cref="ScenarioTimeline.Mark"/>, <see cref="ScenarioTimeline.Measure(string, string, string)"/>…</summary>
    public ScenarioTimeline Timeline { get; }

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
