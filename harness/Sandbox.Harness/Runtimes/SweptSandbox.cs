namespace Sandbox.Harness.Runtimes;

/// <summary>One leftover that <c>sandbox sweep</c> found.</summary>
/// <param name="Name">The sandbox (or resource) name.</param>
/// <param name="Reason">Why it counts as a leftover.</param>
/// <param name="Removed">True when it was removed.</param>
/// <param name="Problem">What went wrong removing it, or null.</param>
internal sealed record SweptSandbox(string Name, string Reason, bool Removed, string? Problem);
