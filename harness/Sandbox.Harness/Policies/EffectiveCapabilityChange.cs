namespace Sandbox.Harness.Policies;

/// <summary>What a token can do on one probe path, before and after a change.</summary>
/// <param name="Path">The probe path, e.g. <c>kvv2/data/other-app/config</c>.</param>
/// <param name="Before">The effective capabilities before (<c>deny</c> counts as none).</param>
/// <param name="After">The effective capabilities after.</param>
internal sealed record EffectiveCapabilityChange(string Path, CapabilitySet Before, CapabilitySet After)
{
    /// <summary>What the token can newly do on the path.</summary>
    public CapabilitySet Gained => After.Except(Before);

    /// <summary>What the token can no longer do on the path.</summary>
    public CapabilitySet Lost => Before.Except(After);

    /// <summary>One line, e.g. <c>kvv2/data/x: [read] -> [list, read] (gained [list])</c>.</summary>
    /// <returns>The text.</returns>
    public override string ToString()
    {
        var notes = new List<string>();
        if (!Gained.IsEmpty)
        {
            notes.Add("gained " + Gained);
        }

        if (!Lost.IsEmpty)
        {
            notes.Add("lost " + Lost);
        }

        return $"{Path}: {Before} -> {After} ({string.Join(", ", notes)})";
    }
}
