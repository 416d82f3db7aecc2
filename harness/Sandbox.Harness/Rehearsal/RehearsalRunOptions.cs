using Sandbox.Harness.Runtimes;

namespace Sandbox.Harness.Rehearsal;

/// <summary>How <see cref="RehearsalRunner"/> runs a rehearsal.</summary>
internal sealed record RehearsalRunOptions
{
    /// <summary>The report folder (absolute or relative to the current directory).</summary>
    public required string ReportDirectory { get; init; }

    /// <summary>The runtime. The default value is <see cref="RuntimeKind.Process"/>.</summary>
    public RuntimeKind Runtime { get; init; } = RuntimeKind.Process;

    /// <summary>The sandbox name; null generates one. The default value is <see langword="null"/>.</summary>
    public string? SandboxName { get; init; }

    /// <summary>When a timing counts as a regression. The default value is a <see cref="Reporting.TimingRule"/> with its defaults.</summary>
    public Reporting.TimingRule TimingRule { get; init; } = new();

    /// <summary>
    /// How many times each live check that measures timings runs on each side, so that the timing
    /// rule can measure the noise. The default value is 5.
    /// </summary>
    public int TimingSamples { get; init; } = 5;

    /// <summary>
    /// Runs the scenario suites on a fresh sandbox with the topology of one side, after the
    /// in-place flow: called with <c>baseline</c> (the current topology) and then <c>after-change</c>
    /// (the changed one), it returns the suites' per-scenario results, which join that side's
    /// checks in the diff and the report. The default value is <see langword="null"/>: no suites.
    /// </summary>
    public Func<string, CancellationToken, Task<IReadOnlyList<Reporting.ScenarioResult>>>? Suites { get; init; }
}
