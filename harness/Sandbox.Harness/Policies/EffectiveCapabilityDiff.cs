using Sandbox.Harness.Policies.Internal;

namespace Sandbox.Harness.Policies;

/// <summary>
/// What a token could do before and after a change, on chosen probe paths: the ACLs are
/// evaluated (precedence included), not the policy texts, so a new broader rule that now wins
/// over an old narrow one shows up here even though no old rule changed. <c>rehearse</c> uses
/// this for its path-by-path capability diff of each <c>&lt;app&gt;</c> and
/// <c>&lt;app&gt;-ops</c> token.
/// </summary>
internal sealed class EffectiveCapabilityDiff
{
    private EffectiveCapabilityDiff(IReadOnlyList<EffectiveCapabilityChange> changes)
    {
        Changes = changes;
    }

    /// <summary>The probe paths whose effective capabilities changed, in probe order.</summary>
    public IReadOnlyList<EffectiveCapabilityChange> Changes { get; }

    /// <summary>True when no probe path changed.</summary>
    public bool IsEmpty => Changes.Count == 0;

    /// <summary>Evaluates both ACLs on every probe path and keeps the paths that differ.</summary>
    /// <param name="before">The token's ACL before the change.</param>
    /// <param name="after">The token's ACL after the change.</param>
    /// <param name="probePaths">Request paths to evaluate; duplicates are evaluated once.</param>
    /// <returns>The changes.</returns>
    public static EffectiveCapabilityDiff Compare(Acl before, Acl after, IEnumerable<string> probePaths)
    {
        ArgumentNullException.ThrowIfNull(before);
        ArgumentNullException.ThrowIfNull(after);
        ArgumentNullException.ThrowIfNull(probePaths);
        var changes = new List<EffectiveCapabilityChange>();
        foreach (var path in probePaths.Distinct(StringComparer.Ordinal))
        {
            var b = Effective(before.Capabilities(path));
            var a = Effective(after.Capabilities(path));
            if (a != b)
            {
                changes.Add(new EffectiveCapabilityChange(path, b, a));
            }
        }

        return new EffectiveCapabilityDiff(changes);
    }

    /// <summary>The capabilities that really allow something: <c>deny</c> allows nothing.</summary>
    /// <param name="capabilities">A rule's capabilities.</param>
    /// <returns>The empty set for deny, the set itself otherwise.</returns>
    public static CapabilitySet Effective(CapabilitySet capabilities) =>
        capabilities.IsDeny ? CapabilitySet.Empty : capabilities;

    /// <summary>A readable rendering, one line per changed path, or <c>no change</c>.</summary>
    /// <returns>The text.</returns>
    public override string ToString() => ChangeLines.Render(Changes);
}
