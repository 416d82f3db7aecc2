namespace Sandbox.Harness.Topology;

/// <summary>A secrets engine mount, desired (from a <see cref="TopologyPlan"/>) or observed (from Vault).</summary>
/// <param name="Path">The path without trailing slash, e.g. <c>kvv2</c>.</param>
/// <param name="Type">The engine type: <c>kv</c>, <c>transit</c>, <c>database</c>.</param>
/// <param name="KvVersion">1 or 2 for kv (Vault's <c>options.version</c>), null otherwise.</param>
/// <param name="Description">The description.</param>
/// <param name="DefaultLeaseTtlSeconds">The mount's default lease TTL in seconds; null or 0 means Vault's default.</param>
/// <param name="MaxLeaseTtlSeconds">The mount's max lease TTL in seconds; null or 0 means Vault's default.</param>
internal sealed record MountState(string Path, string Type, int? KvVersion, string Description = "", long? DefaultLeaseTtlSeconds = null, long? MaxLeaseTtlSeconds = null);
