namespace Sandbox.Harness.Policies;

/// <summary>
/// The access-control list of a token: several policies combined and evaluated the way Vault
/// evaluates them (vault-api.md §5; Vault's <c>vault/acl.go</c>).
/// <list type="bullet">
/// <item>Rules with the same path string are merged across policies: capabilities are united and
/// <c>deny</c> replaces everything, <c>sudo</c> included.</item>
/// <item>For a request path, an exact rule always wins. Otherwise, among the prefix (<c>*</c>) and
/// segment-wildcard (<c>+</c>) rules that match, the one of highest priority is chosen: the later
/// first wildcard, then a non-prefix over a prefix, then fewer <c>+</c> segments, then the longer
/// pattern, then the lexicographically larger one.</item>
/// <item>Only that single rule's capabilities apply; less specific rules are not merged in.</item>
/// <item>The root ACL grants everything.</item>
/// </list>
/// </summary>
internal sealed class Acl
{
    private readonly Dictionary<string, CapabilitySet> _exact = new(StringComparer.Ordinal);
    private readonly Dictionary<string, CapabilitySet> _prefix = new(StringComparer.Ordinal);
    private readonly Dictionary<string, CapabilitySet> _segment = new(StringComparer.Ordinal);

    /// <summary>Builds the ACL of a token holding these policies (not <c>root</c>; use <see cref="Root"/>).</summary>
    /// <param name="policies">The token's policies, e.g. <c>default</c> and <c>app</c>.</param>
    public Acl(IEnumerable<PolicyDocument> policies)
    {
        ArgumentNullException.ThrowIfNull(policies);
        foreach (var policy in policies)
        {
            ArgumentNullException.ThrowIfNull(policy, nameof(policies));
            foreach (var rule in policy.Rules)
            {
                var (table, key) = rule.Kind switch
                {
                    PolicyRuleKind.Exact => (_exact, rule.Path),
                    PolicyRuleKind.Prefix => (_prefix, rule.Path[..^1]),
                    _ => (_segment, rule.Path),
                };
                table[key] = table.TryGetValue(key, out var existing) ? existing.Merge(rule.Capabilities) : rule.Capabilities;
            }
        }
    }

    private Acl()
    {
        IsRoot = true;
    }

    /// <summary>The ACL of the <c>root</c> policy: every capability on every path.</summary>
    public static Acl Root { get; } = new();

    /// <summary>True for the root ACL.</summary>
    public bool IsRoot { get; }

    /// <summary>Builds the ACL of a token holding these policies.</summary>
    /// <param name="policies">The policies.</param>
    /// <returns>The ACL.</returns>
    public static Acl Create(params PolicyDocument[] policies) => new(policies);

    /// <summary>
    /// The capabilities the token has on a path, as Vault's <c>sys/capabilities</c> computes
    /// them (it looks up the rule the way a LIST request does: a trailing <c>/</c> is also tried
    /// without it). Empty when no rule matches; <c>deny</c> alone when the selected rule denies.
    /// Root gets <see cref="CapabilitySet.All"/>.
    /// </summary>
    /// <param name="path">The request path without <c>/v1/</c>, e.g. <c>kvv2/data/app/config</c>.</param>
    /// <returns>The capabilities of the selected rule.</returns>
    public CapabilitySet Capabilities(string path) =>
        IsRoot ? CapabilitySet.All : FindRule(path, listOperation: true)?.Capabilities ?? CapabilitySet.Empty;

    /// <summary>
    /// Whether an operation needing <paramref name="capability"/> is allowed on the path. A
    /// <see cref="Capability.List"/> check looks the rule up as a LIST request does.
    /// </summary>
    /// <param name="path">The request path without <c>/v1/</c>.</param>
    /// <param name="capability">The capability the operation needs (e.g. GET needs read).</param>
    /// <returns>True when allowed.</returns>
    public bool Allows(string path, Capability capability) => AllowsOperation(path, capability, sudoRequired: false);

    /// <summary>
    /// Whether an operation is allowed, also demanding <c>sudo</c> on the same rule when the
    /// path is root-protected (see <see cref="RootProtectedPaths.RequiresSudo"/>).
    /// </summary>
    /// <param name="path">The request path without <c>/v1/</c>.</param>
    /// <param name="capability">The capability the operation needs.</param>
    /// <param name="sudoRequired">True for a root-protected path.</param>
    /// <returns>True when allowed.</returns>
    public bool AllowsOperation(string path, Capability capability, bool sudoRequired)
    {
        if (IsRoot)
        {
            return true;
        }

        var match = FindRule(path, capability == Capability.List);
        if (match is null || match.Capabilities.IsDeny)
        {
            return false;
        }

        return match.Capabilities.Contains(capability) && (!sudoRequired || match.Capabilities.Contains(Capability.Sudo));
    }

    /// <summary>
    /// The single rule Vault would select for the path, or null when none matches (always null
    /// for root, which needs no rule).
    /// </summary>
    /// <param name="path">The request path without <c>/v1/</c>; leading slashes are ignored.</param>
    /// <param name="listOperation">True for a LIST request: the path is also tried without its trailing <c>/</c>.</param>
    /// <returns>The selected rule, or null.</returns>
    public AclMatch? FindRule(string path, bool listOperation = false)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (IsRoot)
        {
            return null;
        }

        path = path.TrimStart('/');
        if (_exact.TryGetValue(path, out var caps))
        {
            return new AclMatch(path, PolicyRuleKind.Exact, caps);
        }

        var trimmed = path.EndsWith('/') ? path[..^1] : path;
        if (listOperation)
        {
            if (_exact.TryGetValue(trimmed, out caps))
            {
                return new AclMatch(trimmed, PolicyRuleKind.Exact, caps);
            }

            if (path.EndsWith('/') && FromNonExactRules(trimmed) is { } m)
            {
                return m;
            }
        }

        return FromNonExactRules(path);
    }

    private AclMatch? FromNonExactRules(string path)
    {
        Candidate? best = null;

        // The longest matching prefix rule competes with the segment-wildcard rules.
        string? longest = null;
        foreach (var prefix in _prefix.Keys)
        {
            if (path.StartsWith(prefix, StringComparison.Ordinal) && (longest is null || prefix.Length > longest.Length))
            {
                longest = prefix;
            }
        }

        if (longest is not null)
        {
            best = new Candidate(longest.Length, 0, IsPrefix: true, longest, longest + "*", PolicyRuleKind.Prefix, _prefix[longest]);
        }

        if (_segment.Count > 0)
        {
            var parts = path.Split('/');
            foreach (var (pattern, capabilities) in _segment)
            {
                if (Matches(pattern, parts) is { } candidate)
                {
                    var c = candidate with { Capabilities = capabilities };
                    if (best is null || c.CompareTo(best) > 0)
                    {
                        best = c;
                    }
                }
            }
        }

        return best is null ? null : new AclMatch(best.Pattern, best.Kind, best.Capabilities);
    }

    private static Candidate? Matches(string pattern, string[] pathParts)
    {
        var isPrefix = pattern.EndsWith('*');
        var body = isPrefix ? pattern[..^1] : pattern;
        var parts = body.Split('/');
        if (pathParts.Length < parts.Length || (!isPrefix && pathParts.Length != parts.Length))
        {
            return null;
        }

        var wildcards = 0;
        for (var i = 0; i < parts.Length; i++)
        {
            if (parts[i] == "+")
            {
                wildcards++;
            }
            else if (parts[i] == pathParts[i])
            {
                // literal segment
            }
            else if (isPrefix && i == parts.Length - 1 && pathParts[i].StartsWith(parts[i], StringComparison.Ordinal))
            {
                // the trailing glob covers the rest of this segment and every later one
            }
            else
            {
                return null;
            }
        }

        return new Candidate(pattern.IndexOf('+', StringComparison.Ordinal), wildcards, isPrefix, body, pattern, PolicyRuleKind.SegmentWildcard, CapabilitySet.Empty);
    }

    private sealed record Candidate(int FirstWildcard, int Wildcards, bool IsPrefix, string Body, string Pattern, PolicyRuleKind Kind, CapabilitySet Capabilities)
    {
        /// <summary>Positive when this candidate has the higher priority.</summary>
        public int CompareTo(Candidate other)
        {
            if (FirstWildcard != other.FirstWildcard)
            {
                return FirstWildcard.CompareTo(other.FirstWildcard);
            }

            if (IsPrefix != other.IsPrefix)
            {
                return IsPrefix ? -1 : 1;
            }

            if (Wildcards != other.Wildcards)
            {
                return other.Wildcards.CompareTo(Wildcards);
            }

            if (Body.Length != other.Body.Length)
            {
                return Body.Length.CompareTo(other.Body.Length);
            }

            return string.CompareOrdinal(Body, other.Body);
        }
    }
}
