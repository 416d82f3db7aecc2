namespace Sandbox.Harness.Guard;

/// <summary>One line of the guard's audit log.</summary>
/// <param name="Time">When the decision was made (from the guard's <see cref="TimeProvider"/>).</param>
/// <param name="Caller">Who asked (for example <c>vault-client</c>).</param>
/// <param name="Target">What was checked.</param>
/// <param name="Allowed">The verdict.</param>
/// <param name="Rule">The rule that decided (see <see cref="GuardDecision.Rule"/>).</param>
internal sealed record GuardAuditEntry(DateTimeOffset Time, string Caller, string Target, bool Allowed, string Rule)
{
    /// <summary><c>allowed</c> or <c>blocked</c>.</summary>
    public string Verdict => Allowed ? "allowed" : "blocked";
}
