namespace Sandbox.Harness.Topology;

/// <summary>
/// The topology's part of <c>auth/&lt;mount&gt;/config</c>: production's <c>bound_issuer</c>, kept as
/// data. The key source (<c>jwt_validation_pubkeys</c>) is the sandbox issuer's, added by replay.
/// </summary>
/// <param name="Mount">The JWT auth mount path.</param>
/// <param name="BoundIssuer">The issuer string, or null.</param>
internal sealed record JwtConfigState(string Mount, string? BoundIssuer);
