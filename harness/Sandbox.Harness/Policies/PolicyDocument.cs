using System.Text;
using Sandbox.Harness.Policies.Internal;

namespace Sandbox.Harness.Policies;

/// <summary>
/// A parsed Vault ACL policy: its <c>path</c> rules in source order. Parse HCL or JSON with
/// <see cref="Parse"/>; compare two policies by meaning with <see cref="Normalize"/> or
/// <see cref="PolicyDiff.Compare"/>.
/// </summary>
internal sealed class PolicyDocument
{
    private PolicyDocument(string sourceName, string? name, IReadOnlyList<PolicyRule> rules, string text)
    {
        SourceName = sourceName;
        Name = name;
        Rules = rules;
        Text = text;
    }

    /// <summary>The file or name the policy came from, used in messages.</summary>
    public string SourceName { get; }

    /// <summary>The optional <c>name = "..."</c> written in the policy itself.</summary>
    public string? Name { get; }

    /// <summary>The rules, in source order (merged and sorted after <see cref="Normalize"/>).</summary>
    public IReadOnlyList<PolicyRule> Rules { get; }

    /// <summary>The text the policy was parsed from (the canonical HCL after <see cref="Normalize"/>).</summary>
    public string Text { get; }

    /// <summary>
    /// Parses a policy written in HCL (<c>path "x" { capabilities = [...] }</c>, the legacy
    /// <c>policy = "read"</c> shorthand, comments <c>#</c>, <c>//</c>, <c>/* */</c>) or in JSON
    /// (<c>{"path": {"x": {"capabilities": [...]}}}</c>), with Vault's checks: capability names,
    /// <c>'+*'</c>, unknown keys. Parameter constraints are accepted but not evaluated (see
    /// <see cref="PolicyRule.UnevaluatedKeys"/>).
    /// </summary>
    /// <param name="text">The policy text.</param>
    /// <param name="sourceName">The file or policy name for error messages.</param>
    /// <returns>The parsed policy.</returns>
    /// <exception cref="PolicyParseException">The text is not a valid policy; the message has the line, column and fix.</exception>
    public static PolicyDocument Parse(string text, string sourceName)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(sourceName);
        Exception Error(string source, int line, int col, string problem, string fix) =>
            PolicyParseException.Syntax(source, line, col, problem, fix);

        // A byte-order mark is not part of the policy (editors on other systems add one).
        text = text.TrimStart('\uFEFF');
        var trimmed = text.TrimStart();
        HclNode root = trimmed.StartsWith('{')
            ? JsonNodeReader.Read(text, sourceName, Error)
            : HclParser.Parse(text, sourceName, Error);
        var (name, rules) = PolicyInterpreter.Interpret(root, sourceName);
        return new PolicyDocument(sourceName, name, rules, text);
    }

    /// <summary>
    /// The canonical form, equal for two policies that mean the same: rules with the same path
    /// string merged the way Vault merges them (capabilities united, <c>deny</c> replacing all),
    /// paths sorted ordinally, capability names sorted and de-duplicated, positions dropped.
    /// A rule with no capabilities is kept: in Vault it still wins over less specific rules.
    /// </summary>
    /// <returns>The normalised policy; its <see cref="Text"/> is the canonical HCL.</returns>
    public PolicyDocument Normalize()
    {
        var merged = new SortedDictionary<string, CapabilitySet>(StringComparer.Ordinal);
        foreach (var rule in Rules)
        {
            merged[rule.Path] = merged.TryGetValue(rule.Path, out var existing)
                ? existing.Merge(rule.Capabilities)
                : rule.Capabilities;
        }

        var rules = merged.Select(kv => new PolicyRule(kv.Key, kv.Value)).ToArray();
        var sb = new StringBuilder();
        foreach (var rule in rules)
        {
            sb.Append(rule).Append('\n');
        }

        return new PolicyDocument(SourceName, Name, rules, sb.ToString());
    }

    /// <summary>True when both policies normalise to the same rules.</summary>
    /// <param name="other">The other policy.</param>
    /// <returns>Whether they mean the same.</returns>
    public bool MeansSameAs(PolicyDocument other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return string.Equals(Normalize().Text, other.Normalize().Text, StringComparison.Ordinal);
    }
}
