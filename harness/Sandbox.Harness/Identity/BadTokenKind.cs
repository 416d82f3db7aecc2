namespace Sandbox.Harness.Identity;

/// <summary>The ways <see cref="SandboxJwtIssuer.MintBadToken"/> can spoil a token, each for one negative test.</summary>
internal enum BadTokenKind
{
    /// <summary><c>exp</c> 10 minutes in the past: beyond Vault's leeways (60 s clock skew, 150 s expiration).</summary>
    Expired,

    /// <summary><c>nbf</c> 10 minutes in the future: beyond Vault's leeways.</summary>
    NotYetValid,

    /// <summary><c>aud</c> that no role binds.</summary>
    WrongAudience,

    /// <summary><c>iss</c> other than the issuer's.</summary>
    WrongIssuer,

    /// <summary>Signed by another RSA key under the same <c>kid</c>: the signature does not verify.</summary>
    WrongKey,

    /// <summary><c>repository</c> (and <c>repository_owner</c>) of another repository, so a <c>bound_claims</c> check fails; signature and times are valid.</summary>
    WrongBoundClaim,

    /// <summary>Unsigned: header <c>alg: none</c> and an empty signature.</summary>
    AlgNone,
}
