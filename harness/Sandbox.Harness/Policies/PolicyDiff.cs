using Sandbox.Harness.Policies.Internal;

namespace Sandbox.Harness.Policies;

/// <summary>
/// The difference in meaning between two versions of a policy, rule by rule: both are
/// normalised first, so reordering, duplicate stanzas, comments and formatting make no
/// difference.
/// </summary>
internal sealed class PolicyDiff
{
    private PolicyDiff(IReadOnlyList<PathCapabilityChange> changes)
    {
        Changes = changes;
    }

    /// <summary>The changed rules, ordered by path.</summary>
    public IReadOnlyList<PathCapabilityChange> Changes { get; }

    /// <summary>True when the two versions mean the same.</summary>
    public bool IsEmpty => Changes.Count == 0;

    /// <summary>Compares two policies by meaning.</summary>
    /// <param name="before">The old version.</param>
    /// <param name="after">The new version.</param>
    /// <returns>The per-path capability changes.</returns>
    public static PolicyDiff Compare(PolicyDocument before, PolicyDocument after)
    {
        ArgumentNullException.ThrowIfNull(before);
        ArgumentNullException.ThrowIfNull(after);
        var a = before.Normalize().Rules.ToDictionary(r => r.Path, r => r.Capabilities, StringComparer.Ordinal);
        var b = after.Normalize().Rules.ToDictionary(r => r.Path, r => r.Capabilities, StringComparer.Ordinal);
        var changes = new List<PathCapabilityChange>();
        foreach (var path in a.Keys.Union(b.Keys).Order(StringComparer.Ordinal))
        {
            var inA = a.TryGetValue(path, out var ca);
            var inB = b.TryGetValue(path, out var cb);
            if (inA && inB)
            {
                if (ca != cb)
                {
                    changes.Add(new PathCapabilityChange(path, PathChangeKind.Changed, ca, cb));
                }
            }
            else
            {
                changes.Add(new PathCapabilityChange(path, inA ? PathChangeKind.Removed : PathChangeKind.Added, ca, cb));
            }
        }

        return new PolicyDiff(changes);
    }

    /// <summary>A readable rendering, one line per changed rule, or <c>no change</c>.</summary>
    /// <returns>The text.</returns>
    public override string ToString() => ChangeLines.Render(Changes);
}
