namespace Sandbox.Harness.Runtimes;

/// <summary>Whether a runtime can run here, what it found and what is missing.</summary>
/// <param name="Runtime">The runtime.</param>
/// <param name="Found">What was found, as readable lines (tool and version, images, the Vault it would run).</param>
/// <param name="Problems">What is missing; empty when the runtime is usable.</param>
internal sealed record RuntimePreflight(RuntimeKind Runtime, IReadOnlyList<string> Found, IReadOnlyList<PreflightProblem> Problems)
{
    /// <summary>True when nothing is missing.</summary>
    public bool Usable => Problems.Count == 0;
}
