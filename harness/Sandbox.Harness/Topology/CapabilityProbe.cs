namespace Sandbox.Harness.Topology;

/// <summary>A request path on which tokens' capabilities are evaluated, and whose name it is.</summary>
/// <param name="Path">The request path, e.g. <c>kvv2/data/webapp/config</c>.</param>
/// <param name="OwnerApp">
/// The app whose name the path belongs to; <see cref="CapabilityProbes.OtherApp"/> for the
/// probes of an app that is in no topology; null for shared paths (<c>sys/...</c>, mount roots).
/// </param>
internal sealed record CapabilityProbe(string Path, string? OwnerApp);
