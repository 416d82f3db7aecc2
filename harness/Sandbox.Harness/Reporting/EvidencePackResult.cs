namespace Sandbox.Harness.Reporting;

/// <summary>Where <see cref="EvidencePack"/> wrote the pack, and whether the run passed.</summary>
/// <param name="Directory">The report folder.</param>
/// <param name="SummaryPath">Path of <c>summary.json</c>.</param>
/// <param name="ReportPath">Path of <c>report.html</c>.</param>
/// <param name="JUnitPath">Path of <c>junit.xml</c>.</param>
/// <param name="Passed">True when at least one scenario ran and every scenario passed (and, for rehearse, the verdict is GO).</param>
/// <param name="ScenarioCount">How many scenario results the pack holds.</param>
/// <param name="FailedCount">How many of them failed.</param>
public sealed record EvidencePackResult(
    string Directory,
    string SummaryPath,
    string ReportPath,
    string JUnitPath,
    bool Passed,
    int ScenarioCount,
    int FailedCount);
