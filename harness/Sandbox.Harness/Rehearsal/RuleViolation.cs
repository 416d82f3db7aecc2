namespace Sandbox.Harness.Rehearsal;

/// <summary>One NO-GO rule that a plan breaks.</summary>
/// <param name="RuleId">The rule, e.g. <c>no-foreign-access</c>, <c>no-sudo</c>, <c>ttl-refresh-window</c>, <c>rules.yaml#1</c>.</param>
/// <param name="Subject">The token or policy, e.g. <c>webapp</c> or <c>webapp-ops</c>; the app for TTL rules.</param>
/// <param name="Path">The policy rule's path pattern that grants it (e.g. <c>kvv2/data/*</c>), or the Vault object for TTL rules.</param>
/// <param name="Capability">The capability at fault (names joined by comma), or null for TTL rules.</param>
/// <param name="Scenario">The scenario the rule stands for (<c>lease-expiry</c> for TTL rules), or null.</param>
/// <param name="Message">A sentence naming policy, path and capability (or the TTLs).</param>
/// <param name="New">True when the base topology does not break the rule this way (the change introduces it).</param>
internal sealed record RuleViolation(string RuleId, string Subject, string Path, string? Capability, string? Scenario, string Message, bool New)
{
    /// <summary>A key that is equal for the same violation in the base and the changed plan.</summary>
    internal string Key => $"{RuleId}|{Subject}|{Path}|{Capability}";
}
