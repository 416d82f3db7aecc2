namespace Sandbox.Harness.Policies;

/// <summary>How a policy path pattern matches request paths (Vault keeps one table per kind).</summary>
internal enum PolicyRuleKind
{
    /// <summary>No wildcard: the request path must be equal.</summary>
    Exact,

    /// <summary>Ends in <c>*</c> and has no <c>+</c> segment: a prefix match.</summary>
    Prefix,

    /// <summary>Has a <c>+</c> segment (one whole segment of any value), possibly ending in <c>*</c>.</summary>
    SegmentWildcard,
}
