namespace Sandbox.Harness.Policies;

/// <summary>How one path of a policy changed between two versions.</summary>
internal enum PathChangeKind
{
    /// <summary>The path has a rule only in the new version.</summary>
    Added,

    /// <summary>The path has a rule only in the old version.</summary>
    Removed,

    /// <summary>Both versions have a rule for the path, with different capabilities.</summary>
    Changed,
}
