namespace Sandbox.Harness.Policies;

/// <summary>The change of one rule's capabilities between two versions of a policy.</summary>
/// <param name="Path">The rule's pattern.</param>
/// <param name="Kind">Added, removed or changed.</param>
/// <param name="Before">The capabilities before (empty when added).</param>
/// <param name="After">The capabilities after (empty when removed).</param>
internal sealed record PathCapabilityChange(string Path, PathChangeKind Kind, CapabilitySet Before, CapabilitySet After)
{
    /// <summary>Capabilities the new version has and the old one lacked.</summary>
    public CapabilitySet Gained => After.Except(Before);

    /// <summary>Capabilities the old version had and the new one lacks.</summary>
    public CapabilitySet Lost => Before.Except(After);

    /// <summary>One line, e.g. <c>~ kvv2/data/app/* +[update] -[list]</c>.</summary>
    /// <returns>The text.</returns>
    public override string ToString()
    {
        var mark = Kind switch { PathChangeKind.Added => "+", PathChangeKind.Removed => "-", _ => "~" };
        var parts = new List<string> { $"{mark} path \"{Path}\"" };
        if (!Gained.IsEmpty)
        {
            parts.Add("gained " + Gained);
        }

        if (!Lost.IsEmpty)
        {
            parts.Add("lost " + Lost);
        }

        if (Gained.IsEmpty && Lost.IsEmpty)
        {
            parts.Add("(rule with no capabilities)");
        }

        return string.Join(" ", parts);
    }
}
