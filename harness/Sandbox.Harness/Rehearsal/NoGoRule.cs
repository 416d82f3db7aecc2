using Sandbox.Harness.Policies;
using Sandbox.Harness.Topology;

namespace Sandbox.Harness.Rehearsal;

/// <summary>
/// A capability that a token or policy must not have: rehearse says NO-GO when a change gives it.
/// </summary>
/// <param name="Id">A short stable name, e.g. <c>no-sudo</c> or <c>rules.yaml#2</c>.</param>
/// <param name="Subject">
/// Whose capabilities: <c>&lt;app&gt;</c> (every app's Kubernetes-role token, i.e. policy
/// <c>&lt;app&gt;</c> plus any other policy that role lists), <c>&lt;app&gt;-ops</c> (every app's
/// JWT-role token), <c>*</c> (every policy of the plan on its own) or one policy name.
/// </param>
/// <param name="Path">
/// A Vault path pattern (<c>+</c> for one segment, a trailing <c>*</c>), where <c>&lt;app&gt;</c> is
/// the token's app; null means anywhere. A pattern is tested on the path a brand-new name would
/// have (its wildcards filled with a name nobody owns), so <c>kvv2/data/*</c> asks "can the token
/// read secrets it was never given by name?".
/// </param>
/// <param name="Capabilities">The capabilities it must not have (any of them is a violation).</param>
/// <param name="Reason">Why, shown in the report; may be null.</param>
/// <param name="Location">Where the rule was written; null for built-in rules.</param>
internal sealed record NoGoRule(string Id, string Subject, string? Path, CapabilitySet Capabilities, string? Reason, SourceLocation? Location)
{
    /// <summary>The subject of every app's Kubernetes-role token: <c>&lt;app&gt;</c>.</summary>
    public const string AppToken = "<app>";

    /// <summary>The subject of every app's JWT-role (CI) token: <c>&lt;app&gt;-ops</c>.</summary>
    public const string OpsToken = "<app>-ops";

    /// <summary>The subject meaning every policy on its own: <c>*</c>.</summary>
    public const string EveryPolicy = "*";

    /// <summary>One line, e.g. <c>&lt;app&gt; must not have [sudo] anywhere</c>.</summary>
    /// <returns>The text.</returns>
    public override string ToString() =>
        $"{Subject} must not have {Capabilities} {(Path is null ? "anywhere" : "on " + Path)}" + (Reason is null ? "" : $" ({Reason})");
}
