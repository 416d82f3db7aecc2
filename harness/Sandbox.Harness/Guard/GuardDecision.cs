namespace Sandbox.Harness.Guard;

/// <summary>
/// One verdict of the production guard.
/// </summary>
/// <param name="Allowed"><see langword="true"/> when the target may be used.</param>
/// <param name="Target">The target as the caller gave it (URL, host, address, context or path).</param>
/// <param name="Rule">
/// The rule that decided, in a stable, machine-readable form: <c>hosts:PATTERN</c>,
/// <c>addresses:CIDR</c>, <c>urls:PREFIX</c>, <c>kubeContexts:GLOB</c>, <c>files:PATH</c> for
/// denylist matches; <c>allow:ENTRY</c>, <c>loopback</c>, <c>unix-socket</c>, <c>not-denylisted</c>
/// for permits; <c>default-deny</c> and <c>invalid-target</c> (and the other names in
/// <see cref="GuardRules"/>) for refusals that no denylist entry made.
/// </param>
/// <param name="Detail">A sentence for humans: why, and what to do.</param>
public sealed record GuardDecision(bool Allowed, string Target, string Rule, string Detail)
{
    /// <summary>Creates a permitting decision.</summary>
    internal static GuardDecision Allow(string target, string rule, string detail) => new(true, target, rule, detail);

    /// <summary>Creates a refusing decision.</summary>
    internal static GuardDecision Block(string target, string rule, string detail) => new(false, target, rule, detail);
}
