namespace Sandbox.Harness.Reporting;

/// <summary>A timing that got worse between rehearse's baseline and the run after the change.</summary>
/// <param name="Scenario">The scenario.</param>
/// <param name="Timing">The timing name.</param>
/// <param name="BeforeMs">Baseline milliseconds.</param>
/// <param name="AfterMs">Milliseconds after the change.</param>
public sealed record TimingRegression(string Scenario, string Timing, double BeforeMs, double AfterMs);
