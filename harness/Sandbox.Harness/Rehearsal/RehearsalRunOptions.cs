using Sandbox.Harness.Runtimes;

namespace Sandbox.Harness.Rehearsal;

/// <summary>How <see cref="RehearsalRunner"/> runs a rehearsal.</summary>
public sealed record RehearsalRunOptions
{
    /// <summary>The report folder (absolute or relative to the current directory).</summary>
    public required string ReportDirectory { get; init; }

    /// <summary>The runtime. The default value is <see cref="RuntimeKind.Process"/>.</summary>
    public RuntimeKind Runtime { get; init; } = RuntimeKind.Process;

    /// <summary>The sandbox name; null generates one. The default value is <see langword="null"/>.</summary>
    public string? SandboxName { get; init; }

    /// <summary>A timing is a regression when it grows beyond this factor. The default value is 1.5.</summary>
    public double TimingFactor { get; init; } = 1.5;

    /// <summary>…and by at least this many milliseconds. The default value is 250.</summary>
    public double MinimumTimingIncreaseMs { get; init; } = 250;
}
