namespace Sandbox.Harness.Topology;

/// <summary>An auth method mount, desired or observed.</summary>
/// <param name="Path">The path without trailing slash, e.g. <c>kubernetes</c>.</param>
/// <param name="Type">The method type: <c>kubernetes</c> or <c>jwt</c>.</param>
internal sealed record AuthMethodState(string Path, string Type);
