namespace Sandbox.Harness.Topology;

/// <summary>The effective settings of one app's auth role (defaults already applied).</summary>
/// <param name="Name">The role name: <c>&lt;app&gt;</c> for Kubernetes, <c>gitea_cicd_&lt;app&gt;</c> for JWT.</param>
/// <param name="Policies">The token policies.</param>
/// <param name="TokenTtl">The token TTL, or null for the mount default.</param>
/// <param name="TokenMaxTtl">The token max TTL, or null for the mount default.</param>
/// <param name="Location">Where the role's settings were written (the app entry, or the defaults).</param>
internal sealed record RoleSpec(string Name, IReadOnlyList<string> Policies, VaultDuration? TokenTtl, VaultDuration? TokenMaxTtl, SourceLocation Location);
