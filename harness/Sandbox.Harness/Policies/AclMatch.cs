namespace Sandbox.Harness.Policies;

/// <summary>The single rule an <see cref="Acl"/> selected for a request path.</summary>
/// <param name="Pattern">The rule's pattern as written (a prefix rule keeps its trailing <c>*</c>).</param>
/// <param name="Kind">The kind of rule.</param>
/// <param name="Capabilities">The capabilities of the rule, merged across policies.</param>
internal sealed record AclMatch(string Pattern, PolicyRuleKind Kind, CapabilitySet Capabilities);
