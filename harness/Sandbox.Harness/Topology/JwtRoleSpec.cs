namespace Sandbox.Harness.Topology;

/// <summary>The JWT-specific fields of an app's <c>gitea_cicd_&lt;app&gt;</c> role (defaults applied, <c>{{app}}</c> rendered).</summary>
/// <param name="UserClaim">The claim used as the entity alias, e.g. <c>sub</c>.</param>
/// <param name="BoundAudiences">The accepted <c>aud</c> values.</param>
/// <param name="BoundClaims">Claim name to accepted values (Gitea-shaped: <c>repository</c>, <c>ref</c>, ...).</param>
/// <param name="BoundClaimsType"><c>string</c> or <c>glob</c>.</param>
/// <param name="BoundSubject">The required <c>sub</c>, or null.</param>
internal sealed record JwtRoleSpec(
    string UserClaim,
    IReadOnlyList<string> BoundAudiences,
    IReadOnlyDictionary<string, IReadOnlyList<string>> BoundClaims,
    string BoundClaimsType,
    string? BoundSubject);
