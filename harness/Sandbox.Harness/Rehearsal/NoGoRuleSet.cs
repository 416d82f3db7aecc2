using Sandbox.Harness.Internal;
using Sandbox.Harness.Policies;
using Sandbox.Harness.Topology;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;
using Sandbox.Harness.Guard;

namespace Sandbox.Harness.Rehearsal;

/// <summary>
/// The NO-GO rules of a rehearsal: the built-in ones (an <c>&lt;app&gt;</c> token reaching another
/// app's names; an <c>&lt;app&gt;</c> token with <c>sudo</c>; the lease-expiry TTL expectations),
/// which always apply, plus those of a <c>--rules</c> file. Schema in <c>docs/rehearse.md</c>:
/// <code>
/// deny:
///   - policy: "&lt;app&gt;"          # &lt;app&gt;, &lt;app&gt;-ops, * or a policy name
///     path: "kvv2/data/*"     # optional; default anywhere
///     capability: read        # or a list
///     reason: pods read only their own config   # optional
/// foreignAccess: ["&lt;app&gt;-ops"]  # more tokens that must not reach another app's names
/// ttl:
///   refreshBudget: 30s        # lease-expiry expectation (default 20s)
/// </code>
/// </summary>
internal sealed class NoGoRuleSet
{
    private static readonly string[] RootKeys = ["deny", "foreignAccess", "ttl"];
    private static readonly string[] RuleKeys = ["policy", "path", "capability", "reason"];
    private static readonly string[] TtlKeys = ["refreshBudget"];

    private NoGoRuleSet(IReadOnlyList<NoGoRule> deny, IReadOnlyList<string> foreignAccess, TtlExpectations ttl, string source)
    {
        Deny = deny;
        ForeignAccess = foreignAccess;
        Ttl = ttl;
        Source = source;
    }

    /// <summary>The id of the built-in rule "a token must not reach another app's names".</summary>
    public const string ForeignAccessRuleId = "no-foreign-access";

    /// <summary>The id of the built-in rule "an <c>&lt;app&gt;</c> token must not have sudo".</summary>
    public const string SudoRuleId = "no-sudo";

    /// <summary>The built-in rules.</summary>
    public static NoGoRuleSet Default { get; } = new(
        [new NoGoRule(SudoRuleId, NoGoRule.AppToken, null, CapabilitySet.Of(Capability.Sudo), "an app's pods never need root-protected paths", null)],
        [NoGoRule.AppToken],
        TtlExpectations.Default,
        "built-in rules");

    /// <summary>Capability rules, built-in first.</summary>
    public IReadOnlyList<NoGoRule> Deny { get; }

    /// <summary>Tokens (<c>&lt;app&gt;</c>, <c>&lt;app&gt;-ops</c>) that must not reach another app's names.</summary>
    public IReadOnlyList<string> ForeignAccess { get; }

    /// <summary>The lease-expiry TTL expectations.</summary>
    public TtlExpectations Ttl { get; }

    /// <summary>Where the rules came from, for messages.</summary>
    public string Source { get; }

    /// <summary>The built-in rules plus those of a rules file.</summary>
    /// <param name="path">The rules file (YAML).</param>
    /// <returns>The combined rule set.</returns>
    /// <exception cref="RehearsalChangeException">The file is missing or invalid; the message has the line and the fix.</exception>
    public static NoGoRuleSet Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!SandboxGuard.ForFiles.FileExists(path, "NO-GO rules loader"))
        {
            throw RehearsalChangeException.Missing(path, "rules file");
        }

        return Parse(SandboxGuard.ForFiles.ReadAllText(path, "NO-GO rules loader"), path);
    }

    /// <summary>The built-in rules plus those of a rules text.</summary>
    /// <param name="yaml">The rules YAML.</param>
    /// <param name="sourceName">The file name for messages.</param>
    /// <returns>The combined rule set.</returns>
    /// <exception cref="RehearsalChangeException">The text is invalid; the message has the line and the fix.</exception>
    public static NoGoRuleSet Parse(string yaml, string sourceName)
    {
        ArgumentNullException.ThrowIfNull(yaml);
        ArgumentNullException.ThrowIfNull(sourceName);
        YamlStream stream;
        try
        {
            stream = YamlDocuments.Load(yaml);
        }
        catch (YamlException ex)
        {
            throw RehearsalChangeException.At(sourceName, (int)ex.Start.Line, (int)ex.Start.Column, "invalid YAML: " + ex.Message.Split('\n')[0],
                "fix the YAML syntax at that position (indentation, quotes, a missing ':').", ex);
        }

        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is YamlScalarNode { Value: null or "" or "~" })
        {
            throw RehearsalChangeException.At(sourceName, 0, 0, "the rules file is empty",
                "write at least one rule, e.g. deny: [ { policy: \"<app>\", path: \"kvv2/data/*\", capability: read } ]; or leave --rules out.");
        }

        var root = stream.Documents[0].RootNode as YamlMappingNode
            ?? throw Error(sourceName, stream.Documents[0].RootNode, "the rules file must be a mapping", "write deny:, foreignAccess: and ttl: at the top level.");
        RehearsalYaml.CheckKeys(sourceName, root, "the rules file", RootKeys);

        var deny = new List<NoGoRule>(Default.Deny);
        if (RehearsalYaml.Get(root, "deny") is { } denyNode)
        {
            var list = denyNode as YamlSequenceNode ?? throw Error(sourceName, denyNode, "\"deny\" must be a list of rules", "write deny: [ { policy: \"<app>\", capability: sudo } ].");
            var index = 0;
            foreach (var item in list.Children)
            {
                index++;
                deny.Add(ReadRule(sourceName, item, index));
            }
        }

        var foreign = new List<string>(Default.ForeignAccess);
        if (RehearsalYaml.Get(root, "foreignAccess") is { } fa)
        {
            foreach (var (value, node) in Strings(sourceName, fa, "foreignAccess"))
            {
                if (value is not (NoGoRule.AppToken or NoGoRule.OpsToken))
                {
                    throw Error(sourceName, node, $"foreignAccess names \"{value}\"", "write \"<app>\" (the pods' token) or \"<app>-ops\" (the CI token).");
                }

                if (!foreign.Contains(value, StringComparer.Ordinal))
                {
                    foreign.Add(value);
                }
            }
        }

        var ttl = Default.Ttl;
        if (RehearsalYaml.Get(root, "ttl") is { } ttlNode)
        {
            var map = ttlNode as YamlMappingNode ?? throw Error(sourceName, ttlNode, "\"ttl\" must be a mapping", "write ttl: { refreshBudget: 30s }.");
            RehearsalYaml.CheckKeys(sourceName, map, "ttl", TtlKeys);
            if (RehearsalYaml.Get(map, "refreshBudget") is { } rb)
            {
                var text = (rb as YamlScalarNode)?.Value;
                ttl = VaultDuration.TryParse(text, out var d) && d.Seconds > 0
                    ? new TtlExpectations(d, Where(sourceName, rb))
                    : throw Error(sourceName, rb, $"\"ttl.refreshBudget\" value \"{text}\" is not a positive duration", "write a Vault duration such as 20s, 1m or 90.");
            }
        }

        return new NoGoRuleSet(deny, foreign, ttl, $"built-in rules + {sourceName}");
    }

    private static NoGoRule ReadRule(string file, YamlNode node, int index)
    {
        var map = node as YamlMappingNode ?? throw Error(file, node, $"deny rule {index} must be a mapping", "write - { policy: \"<app>\", path: \"kvv2/data/*\", capability: read }.");
        RehearsalYaml.CheckKeys(file, map, $"deny rule {index}", RuleKeys);
        var policyNode = RehearsalYaml.Get(map, "policy") ?? throw Error(file, map, $"deny rule {index} has no \"policy\"", "add policy: \"<app>\" (or \"<app>-ops\", \"*\", or a policy name).");
        var policy = (policyNode as YamlScalarNode)?.Value is { Length: > 0 } p ? p : throw Error(file, policyNode, "\"policy\" must be a name", "write policy: \"<app>\", \"<app>-ops\", \"*\" or a policy name.");
        if (policy != NoGoRule.AppToken && policy != NoGoRule.OpsToken && policy != NoGoRule.EveryPolicy && !TopologyLoader.VaultItemName().IsMatch(policy))
        {
            throw Error(file, policyNode, $"\"policy\" value \"{policy}\" is neither <app>, <app>-ops, * nor a policy name", "write policy: \"<app>\", \"<app>-ops\", \"*\" or a policy name such as shared-read.");
        }

        string? path = null;
        if (RehearsalYaml.Get(map, "path") is { } pathNode)
        {
            path = (pathNode as YamlScalarNode)?.Value is { Length: > 0 } v ? v.TrimStart('/') : throw Error(file, pathNode, "\"path\" must be a Vault path pattern", "write path: \"kvv2/data/*\"; leave it out for anywhere.");
            var problem = PathProblem(path);
            if (problem is not null)
            {
                throw Error(file, pathNode, $"\"path\" value \"{path}\" {problem}", "use Vault's policy syntax: '+' for one whole segment, '*' only at the end, e.g. kvv2/data/+/config or kvv2/data/*.");
            }

            if (path.Contains(NoGoRule.AppToken, StringComparison.Ordinal) && policy is not (NoGoRule.AppToken or NoGoRule.OpsToken))
            {
                throw Error(file, pathNode, "\"path\" uses <app>, but the rule's policy is not <app> or <app>-ops", "use <app> in the path only with policy: \"<app>\" or \"<app>-ops\".");
            }
        }

        var capNode = RehearsalYaml.Get(map, "capability") ?? throw Error(file, map, $"deny rule {index} has no \"capability\"", "add capability: read (or a list: [read, list]).");
        var caps = Capability.None;
        foreach (var (name, n) in Strings(file, capNode, "capability"))
        {
            if (!CapabilitySet.TryParseName(name, out var c) || c == Capability.Deny)
            {
                throw Error(file, n, $"\"{name}\" is not a capability a rule can forbid", $"use one of {string.Join(", ", CapabilitySet.ValidNames.Where(v => v != "deny"))}.");
            }

            caps |= c;
        }

        string? reason = null;
        if (RehearsalYaml.Get(map, "reason") is { } rn)
        {
            reason = (rn as YamlScalarNode)?.Value is { Length: > 0 } r ? r : throw Error(file, rn, "\"reason\" must be one line of text", "write reason: why this is NO-GO.");
        }

        return new NoGoRule($"{Path.GetFileName(file)}#{index}", policy, path, new CapabilitySet(caps), reason, Where(file, map));
    }

    /// <summary>Why a rule path is not a valid pattern, or null.</summary>
    internal static string? PathProblem(string path)
    {
        if (path.Contains("+*", StringComparison.Ordinal))
        {
            return "uses '+*', which Vault forbids";
        }

        if (path.IndexOf('*', StringComparison.Ordinal) is var star and >= 0 && star != path.Length - 1)
        {
            return "has a '*' that does not end it";
        }

        return path.Split('/').Any(s => s.Contains('+', StringComparison.Ordinal) && s != "+") ? "has a '+' that is not a whole segment" : null;
    }

    private static IEnumerable<(string Value, YamlNode Node)> Strings(string file, YamlNode node, string key)
    {
        if (node is YamlScalarNode { Value: { Length: > 0 } single })
        {
            return [(single, node)];
        }

        if (node is YamlSequenceNode seq && seq.Children.Count > 0)
        {
            return seq.Children.Select(c => c is YamlScalarNode { Value: { Length: > 0 } v }
                ? (v, c)
                : throw Error(file, c, $"\"{key}\" items must be strings", $"write {key}: [a, b]."));
        }

        throw Error(file, node, $"\"{key}\" must be a string or a non-empty list of strings", $"write {key}: read, or {key}: [read, list].");
    }

    private static SourceLocation Where(string file, YamlNode node) => new(file, (int)node.Start.Line, (int)node.Start.Column);

    private static RehearsalChangeException Error(string file, YamlNode node, string problem, string fix) =>
        RehearsalChangeException.At(file, (int)node.Start.Line, (int)node.Start.Column, problem, fix);
}
