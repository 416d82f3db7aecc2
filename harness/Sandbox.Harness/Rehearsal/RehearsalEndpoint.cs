using Sandbox.Harness.Topology;

namespace Sandbox.Harness.Rehearsal;

/// <summary>
/// A value of a change that would make the sandbox Vault itself connect somewhere: the database
/// <c>connection_url</c>, Kubernetes auth's <c>kubernetes_host</c>, JWT auth's <c>jwks_url</c> or
/// <c>oidc_discovery_url</c>. The production guard judges each one before anything is applied.
/// </summary>
/// <param name="Key">The key in the change file, e.g. <c>rehearse.endpoints.connectionUrl</c>.</param>
/// <param name="VaultField">The Vault field it becomes, e.g. <c>connection_url</c>.</param>
/// <param name="Value">The value as written (may hold a password: show it through <see cref="Reporting.SecretFilter"/> only).</param>
/// <param name="Location">Where it was written.</param>
internal sealed record RehearsalEndpoint(string Key, string VaultField, string Value, SourceLocation Location);
