namespace Sandbox.Harness.Policies;

/// <summary>
/// One <c>path "pattern" { capabilities = [...] }</c> stanza of a policy.
/// </summary>
/// <param name="Path">The pattern as written, without a leading <c>/</c> (Vault strips it).</param>
/// <param name="Capabilities">The capabilities; a stanza holding <c>deny</c> holds only <c>deny</c>.</param>
/// <param name="Line">The 1-based line of the stanza in its source (0 after normalisation).</param>
/// <param name="Column">The 1-based column of the stanza in its source (0 after normalisation).</param>
internal sealed record PolicyRule(string Path, CapabilitySet Capabilities, int Line = 0, int Column = 0)
{
    /// <summary>
    /// Keys of the stanza that Sandbox accepts, as Vault does, but does not evaluate
    /// (<c>allowed_parameters</c>, <c>denied_parameters</c>, <c>required_parameters</c>,
    /// wrapping TTLs, MFA, control groups). Empty for the policies the lab uses.
    /// </summary>
    public IReadOnlyList<string> UnevaluatedKeys { get; init; } = [];

    /// <summary>
    /// The kind, following Vault: a pattern with a segment wildcard (<c>+</c> as the whole
    /// pattern, after a <c>/</c>, or before one at the start) is a segment-wildcard rule;
    /// otherwise a trailing <c>*</c> makes a prefix rule; otherwise the rule is exact.
    /// A <c>*</c> anywhere but at the end is a literal character.
    /// </summary>
    public PolicyRuleKind Kind =>
        HasSegmentWildcards(Path) ? PolicyRuleKind.SegmentWildcard
        : Path.EndsWith('*') ? PolicyRuleKind.Prefix
        : PolicyRuleKind.Exact;

    internal static bool HasSegmentWildcards(string path) =>
        path == "+" || path.Contains("/+", StringComparison.Ordinal) || path.StartsWith("+/", StringComparison.Ordinal);

    /// <summary>The stanza as canonical HCL.</summary>
    /// <returns>One line of HCL.</returns>
    public override string ToString() =>
        $"path \"{Path}\" {{ capabilities = [{string.Join(", ", Capabilities.Names.Select(n => "\"" + n + "\""))}] }}";
}
