namespace Sandbox.Harness.Reporting;

/// <summary>One path of one policy whose capabilities a change alters (rehearse's capability diff).</summary>
/// <param name="Policy">The policy (<c>&lt;app&gt;</c> or <c>&lt;app&gt;-ops</c>).</param>
/// <param name="Path">The Vault path, e.g. <c>kvv2/data/*</c>.</param>
/// <param name="Gained">Capabilities the change adds on that path.</param>
/// <param name="Lost">Capabilities the change removes on that path.</param>
internal sealed record PolicyCapabilityChange(
    string Policy,
    string Path,
    IReadOnlyList<string> Gained,
    IReadOnlyList<string> Lost);
