namespace Sandbox.Harness.Topology;

/// <summary>The Kubernetes auth method (pods, through the Vault Secrets Operator).</summary>
/// <param name="Path">The auth mount path without trailing slash, <c>kubernetes</c> by default.</param>
/// <param name="Audience">The optional <c>audience</c> every app role requires of service-account tokens.</param>
internal sealed record KubernetesAuthSpec(string Path, string? Audience);
