namespace Sandbox.Harness.Vault.Models;

/// <summary>A JWT auth role (<c>auth/&lt;mount&gt;/role/:name</c>), written and read back. Null properties are not sent.</summary>
internal sealed record JwtRole
{
    /// <summary><c>jwt</c> (Vault's default is <c>oidc</c>, so always send it).</summary>
    public string? RoleType { get; init; } = "jwt";

    /// <summary>The claim that names the user (for example <c>sub</c>); required.</summary>
    public string? UserClaim { get; init; }

    /// <summary>Audiences a token must carry one of.</summary>
    public IReadOnlyList<string>? BoundAudiences { get; init; }

    /// <summary>The exact subject a token must carry.</summary>
    public string? BoundSubject { get; init; }

    /// <summary>Claims a token must carry, claim name to a value or a list of values.</summary>
    public IReadOnlyDictionary<string, object>? BoundClaims { get; init; }

    /// <summary><c>string</c> (default) or <c>glob</c>.</summary>
    public string? BoundClaimsType { get; init; }

    /// <summary>Claims copied into token metadata.</summary>
    public IReadOnlyDictionary<string, string>? ClaimMappings { get; init; }

    /// <summary>The claim that lists groups.</summary>
    public string? GroupsClaim { get; init; }

    /// <summary>Policies of tokens issued by this role.</summary>
    public IReadOnlyList<string>? TokenPolicies { get; init; }

    /// <summary>TTL of issued tokens.</summary>
    public TimeSpan? TokenTtl { get; init; }

    /// <summary>Max TTL of issued tokens.</summary>
    public TimeSpan? TokenMaxTtl { get; init; }

    /// <summary><c>service</c>, <c>batch</c> or <c>default</c>.</summary>
    public string? TokenType { get; init; }

    /// <summary>Leeway for <c>exp</c> (Vault's default is 150 s).</summary>
    public TimeSpan? ExpirationLeeway { get; init; }

    /// <summary>Leeway for <c>nbf</c> (Vault's default is 150 s).</summary>
    public TimeSpan? NotBeforeLeeway { get; init; }

    /// <summary>Clock-skew leeway (Vault's default is 60 s).</summary>
    public TimeSpan? ClockSkewLeeway { get; init; }
}
