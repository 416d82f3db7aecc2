namespace Sandbox.Harness.Topology;

/// <summary>A role of the Kubernetes auth method (<c>auth/&lt;mount&gt;/role/&lt;name&gt;</c>), desired or observed.</summary>
/// <param name="Mount">The auth mount path, e.g. <c>kubernetes</c>.</param>
/// <param name="Name">The role name, <c>&lt;app&gt;</c>.</param>
/// <param name="BoundServiceAccountNames"><c>bound_service_account_names</c>.</param>
/// <param name="BoundServiceAccountNamespaces"><c>bound_service_account_namespaces</c>.</param>
/// <param name="Audience"><c>audience</c>, or null.</param>
/// <param name="TokenPolicies"><c>token_policies</c>.</param>
/// <param name="TokenTtlSeconds"><c>token_ttl</c> in seconds; null or 0 means the mount default.</param>
/// <param name="TokenMaxTtlSeconds"><c>token_max_ttl</c> in seconds; null or 0 means the mount default.</param>
internal sealed record KubernetesRoleState(
    string Mount,
    string Name,
    IReadOnlyList<string> BoundServiceAccountNames,
    IReadOnlyList<string> BoundServiceAccountNamespaces,
    string? Audience,
    IReadOnlyList<string> TokenPolicies,
    long? TokenTtlSeconds,
    long? TokenMaxTtlSeconds);
