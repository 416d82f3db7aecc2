namespace Sandbox.Harness.Topology;

/// <summary>A secrets engine mount of the topology.</summary>
/// <param name="Path">The mount path without trailing slash, e.g. <c>kvv2</c>.</param>
/// <param name="Type">Vault's engine type: <c>kv</c>, <c>transit</c> or <c>database</c>.</param>
/// <param name="KvVersion">1 or 2 for a kv mount, null otherwise.</param>
/// <param name="Description">The mount description (may be empty).</param>
/// <param name="DefaultLeaseTtl">The mount's default lease TTL, or null for Vault's default.</param>
/// <param name="MaxLeaseTtl">The mount's max lease TTL, or null for Vault's default.</param>
/// <param name="Location">Where the mount was written.</param>
internal sealed record MountSpec(
    string Path,
    string Type,
    int? KvVersion,
    string Description,
    VaultDuration? DefaultLeaseTtl,
    VaultDuration? MaxLeaseTtl,
    SourceLocation Location);
