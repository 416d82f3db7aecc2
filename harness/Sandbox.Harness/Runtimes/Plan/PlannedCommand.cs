namespace Sandbox.Harness.Runtimes.Plan;

/// <summary>One child process <c>up</c> would run.</summary>
/// <param name="Argv">The tool's name (not its path) and its arguments, exactly as <c>up</c> passes them.</param>
/// <param name="Stdin">The plan file (relative to the plan folder) holding what <c>up</c> would write to its standard input, secrets redacted; null when it gets none.</param>
internal sealed record PlannedCommand(IReadOnlyList<string> Argv, string? Stdin);
