namespace Sandbox.Harness.Policies.Internal;

/// <summary>The text of a diff shared by <see cref="PolicyDiff"/> and <see cref="EffectiveCapabilityDiff"/>.</summary>
internal static class ChangeLines
{
    /// <summary>One line per change, each ending in a new line, or <c>no change</c> when there is none.</summary>
    /// <typeparam name="T">The change's type (its <see cref="object.ToString"/> is the line).</typeparam>
    /// <param name="changes">The changes.</param>
    /// <returns>The text.</returns>
    public static string Render<T>(IReadOnlyList<T> changes)
        where T : notnull =>
        changes.Count == 0 ? "no change" : string.Concat(changes.Select(c => c + "\n"));
}
