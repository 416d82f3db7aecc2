namespace Sandbox.Harness.Topology;

/// <summary>
/// The JWT auth method that trusts Gitea Actions OIDC tokens (CI and OpenTofu). Production's
/// <see cref="BoundIssuer"/> is kept as data: in the sandbox the key source is the sandbox
/// issuer's public key, never production's discovery URL.
/// </summary>
/// <param name="Path">The auth mount path without trailing slash, <c>jwt</c> by default.</param>
/// <param name="BoundIssuer">Production's issuer (<c>iss</c>) string, kept as is.</param>
internal sealed record JwtAuthSpec(string Path, string? BoundIssuer);
