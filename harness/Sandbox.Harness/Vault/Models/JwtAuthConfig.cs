namespace Sandbox.Harness.Vault.Models;

/// <summary>The body of <c>auth/&lt;mount&gt;/config</c> for the JWT method. Exactly one key source must be set.</summary>
internal sealed record JwtAuthConfig
{
    /// <summary>PEM public keys that verify token signatures.</summary>
    public IReadOnlyList<string>? JwtValidationPubkeys { get; init; }

    /// <summary>A JWKS URL Vault fetches keys from (checked by the config guard before it is written).</summary>
    public string? JwksUrl { get; init; }

    /// <summary>An OIDC discovery URL (checked by the config guard before it is written).</summary>
    public string? OidcDiscoveryUrl { get; init; }

    /// <summary>The issuer every token must carry.</summary>
    public string? BoundIssuer { get; init; }

    /// <summary>Accepted signing algorithms; HashiCorp Vault defaults to RS256 only.</summary>
    public IReadOnlyList<string>? JwtSupportedAlgs { get; init; }

    /// <summary>The role used when a login names none.</summary>
    public string? DefaultRole { get; init; }
}
