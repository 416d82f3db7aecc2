namespace Sandbox.Harness.Reporting;

/// <summary>A timing that got worse between rehearse's baseline and the run after the change (see <see cref="TimingRule"/>).</summary>
/// <param name="Scenario">The scenario.</param>
/// <param name="Timing">The timing name.</param>
/// <param name="BeforeMs">Baseline milliseconds (the median of <see cref="BeforeSamplesMs"/>).</param>
/// <param name="AfterMs">Milliseconds after the change (the median of <see cref="AfterSamplesMs"/>).</param>
internal sealed record TimingRegression(string Scenario, string Timing, double BeforeMs, double AfterMs)
{
    /// <summary>Every baseline sample, in milliseconds. The default value is empty.</summary>
    public IReadOnlyList<double> BeforeSamplesMs { get; init; } = [];

    /// <summary>Every sample after the change, in milliseconds. The default value is empty.</summary>
    public IReadOnlyList<double> AfterSamplesMs { get; init; } = [];

    /// <summary>The noise the rule measured (1.4826 × the larger MAD), in milliseconds. The default value is 0.</summary>
    public double NoiseMs { get; init; }
}
