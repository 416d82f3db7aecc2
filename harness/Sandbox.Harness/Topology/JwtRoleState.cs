namespace Sandbox.Harness.Topology;

/// <summary>A role of the JWT auth method (<c>auth/&lt;mount&gt;/role/&lt;name&gt;</c>), desired or observed.</summary>
/// <param name="Mount">The auth mount path, e.g. <c>jwt</c>.</param>
/// <param name="Name">The role name, <c>gitea_cicd_&lt;app&gt;</c>.</param>
/// <param name="RoleType"><c>role_type</c>, always <c>jwt</c> here (Vault's default is oidc).</param>
/// <param name="UserClaim"><c>user_claim</c>.</param>
/// <param name="BoundAudiences"><c>bound_audiences</c>.</param>
/// <param name="BoundClaims"><c>bound_claims</c>: claim to accepted values.</param>
/// <param name="BoundClaimsType"><c>bound_claims_type</c>: <c>string</c> or <c>glob</c>.</param>
/// <param name="BoundSubject"><c>bound_subject</c>, or null.</param>
/// <param name="TokenPolicies"><c>token_policies</c>.</param>
/// <param name="TokenTtlSeconds"><c>token_ttl</c> in seconds; null or 0 means the mount default.</param>
/// <param name="TokenMaxTtlSeconds"><c>token_max_ttl</c> in seconds; null or 0 means the mount default.</param>
internal sealed record JwtRoleState(
    string Mount,
    string Name,
    string RoleType,
    string UserClaim,
    IReadOnlyList<string> BoundAudiences,
    IReadOnlyDictionary<string, IReadOnlyList<string>> BoundClaims,
    string BoundClaimsType,
    string? BoundSubject,
    IReadOnlyList<string> TokenPolicies,
    long? TokenTtlSeconds,
    long? TokenMaxTtlSeconds);
