using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Sandbox.Harness.Identity;

/// <summary>
/// The sandbox's own token issuer: an RSA-2048 key pair made per sandbox that signs RS256 JWTs
/// shaped like Gitea Actions OIDC tokens (for Vault's JWT auth) and like Kubernetes service-account
/// tokens (for Kubernetes auth). It exports the public key as PEM (for <c>jwt_validation_pubkeys</c>
/// or <c>pem_keys</c>) and as a JWKS, and mints deliberately bad tokens for negative tests.
/// The private key never leaves the process.
/// </summary>
public sealed class SandboxJwtIssuer : IDisposable
{
    /// <summary>The issuer of legacy service-account tokens.</summary>
    public const string LegacyServiceAccountIssuer = "kubernetes/serviceaccount";

    /// <summary>The default issuer of projected service-account tokens.</summary>
    public const string DefaultKubernetesIssuer = "https://kubernetes.default.svc.cluster.local";

    /// <summary>How far past or ahead the time claims of <see cref="BadTokenKind.Expired"/> and <see cref="BadTokenKind.NotYetValid"/> are.</summary>
    public static readonly TimeSpan BadTimeOffset = TimeSpan.FromMinutes(10);

    /// <summary>The lifetime of a minted token unless told otherwise.</summary>
    public static readonly TimeSpan DefaultLifetime = TimeSpan.FromMinutes(10);

    private readonly RSA _rsa;
    private readonly RsaSecurityKey _signingKey;
    private readonly SigningCredentials _credentials;
    private readonly TimeProvider _time;
    private readonly JsonWebTokenHandler _handler = new() { SetDefaultTimesOnTokenCreation = false };
    private bool _disposed;

    /// <summary>Creates an issuer with a fresh RSA-2048 key pair.</summary>
    /// <param name="issuer">The <c>iss</c> of Gitea-shaped tokens: production's issuer string, kept as data.</param>
    /// <param name="timeProvider">The clock for <c>iat</c>, <c>nbf</c> and <c>exp</c>; <see cref="TimeProvider.System"/> when null.</param>
    public SandboxJwtIssuer(string issuer, TimeProvider? timeProvider = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(issuer);
        Issuer = issuer;
        _time = timeProvider ?? TimeProvider.System;
        _rsa = RSA.Create(2048);
        var thumbprintKey = new RsaSecurityKey(_rsa.ExportParameters(includePrivateParameters: false));
        KeyId = Base64UrlEncoder.Encode(JsonWebKeyConverter.ConvertFromRSASecurityKey(thumbprintKey).ComputeJwkThumbprint());
        _signingKey = new RsaSecurityKey(_rsa) { KeyId = KeyId };
        _credentials = new SigningCredentials(_signingKey, SecurityAlgorithms.RsaSha256);
        PublicKeyPem = _rsa.ExportSubjectPublicKeyInfoPem();
        JwksJson = BuildJwks(_rsa.ExportParameters(includePrivateParameters: false), KeyId);
        PublicKey = new RsaSecurityKey(_rsa.ExportParameters(includePrivateParameters: false)) { KeyId = KeyId };
    }

    /// <summary>The <c>iss</c> of Gitea-shaped tokens.</summary>
    public string Issuer { get; }

    /// <summary>The key id (<c>kid</c>): the RFC 7638 thumbprint of the public key.</summary>
    public string KeyId { get; }

    /// <summary>The public key as a PEM <c>PUBLIC KEY</c> block, for Vault's <c>jwt_validation_pubkeys</c>.</summary>
    public string PublicKeyPem { get; }

    /// <summary>The public key as a JWKS document (<c>{"keys":[...]}</c>).</summary>
    public string JwksJson { get; }

    /// <summary>The public key, for validating tokens in tests.</summary>
    public SecurityKey PublicKey { get; }

    /// <summary>Mints a valid RS256 Gitea Actions-shaped token.</summary>
    /// <param name="claims">The workflow facts.</param>
    /// <param name="lifetime">How long it is valid; <see cref="DefaultLifetime"/> when null.</param>
    /// <returns>The compact JWT (a secret; never log it).</returns>
    public string MintGiteaToken(GiteaActionsClaims claims, TimeSpan? lifetime = null)
    {
        ArgumentNullException.ThrowIfNull(claims);
        var now = _time.GetUtcNow();
        var payload = claims.ToClaims();
        AddStandard(payload, Issuer, now, now, now + (lifetime ?? DefaultLifetime));
        return Sign(payload, _credentials);
    }

    /// <summary>Mints a Gitea Actions-shaped token spoiled in exactly one way.</summary>
    /// <param name="kind">What to spoil.</param>
    /// <param name="claims">The workflow facts of the otherwise valid token.</param>
    /// <returns>The compact JWT.</returns>
    public string MintBadToken(BadTokenKind kind, GiteaActionsClaims claims)
    {
        ArgumentNullException.ThrowIfNull(claims);
        var now = _time.GetUtcNow();
        var payload = claims.ToClaims();
        var issuer = Issuer;
        DateTimeOffset issuedAt = now, notBefore = now, expires = now + DefaultLifetime;
        SigningCredentials? credentials = _credentials;
        RSA? otherKey = null;
        try
        {
            switch (kind)
            {
                case BadTokenKind.Expired:
                    issuedAt = notBefore = now - BadTimeOffset - DefaultLifetime;
                    expires = now - BadTimeOffset;
                    break;
                case BadTokenKind.NotYetValid:
                    notBefore = now + BadTimeOffset;
                    expires = notBefore + DefaultLifetime;
                    break;
                case BadTokenKind.WrongAudience:
                    payload["aud"] = "sandbox-wrong-audience";
                    break;
                case BadTokenKind.WrongIssuer:
                    issuer = "https://wrong-issuer.sandbox.invalid";
                    break;
                case BadTokenKind.WrongKey:
                    otherKey = RSA.Create(2048);
                    credentials = new SigningCredentials(new RsaSecurityKey(otherKey) { KeyId = KeyId }, SecurityAlgorithms.RsaSha256);
                    break;
                case BadTokenKind.WrongBoundClaim:
                    payload["repository"] = $"{claims.RepositoryOwner}/not-{claims.Repository.Split('/', 2)[^1]}";
                    payload["repository_owner"] = "not-" + claims.RepositoryOwner;
                    break;
                case BadTokenKind.AlgNone:
                    credentials = null;
                    break;
                default:
                    throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown bad-token kind.");
            }

            AddStandard(payload, issuer, issuedAt, notBefore, expires);
            return credentials is null ? Unsigned(payload) : Sign(payload, credentials);
        }
        finally
        {
            otherKey?.Dispose();
        }
    }

    /// <summary>Mints a Kubernetes service-account token signed with this issuer's key.</summary>
    /// <param name="account">The service account.</param>
    /// <param name="form">Projected (bound, with <c>aud</c> and <c>exp</c>) or legacy (no expiry).</param>
    /// <param name="audience">The projected token's audience; null uses <see cref="DefaultKubernetesIssuer"/>.</param>
    /// <param name="kubernetesIssuer">The projected token's <c>iss</c>; null uses <see cref="DefaultKubernetesIssuer"/>.</param>
    /// <param name="lifetime">The projected token's lifetime; <see cref="DefaultLifetime"/> when null.</param>
    /// <returns>The compact JWT.</returns>
    public string MintServiceAccountToken(
        ServiceAccountIdentity account,
        ServiceAccountTokenForm form = ServiceAccountTokenForm.Projected,
        string? audience = null,
        string? kubernetesIssuer = null,
        TimeSpan? lifetime = null)
    {
        ArgumentNullException.ThrowIfNull(account);
        var payload = new Dictionary<string, object>(StringComparer.Ordinal) { ["sub"] = account.Username };
        if (form == ServiceAccountTokenForm.Legacy)
        {
            payload["iss"] = LegacyServiceAccountIssuer;
            payload["kubernetes.io/serviceaccount/namespace"] = account.Namespace;
            payload["kubernetes.io/serviceaccount/secret.name"] = $"{account.Name}-token-sandbox";
            payload["kubernetes.io/serviceaccount/service-account.name"] = account.Name;
            payload["kubernetes.io/serviceaccount/service-account.uid"] = account.Uid;
            return Sign(payload, _credentials);
        }

        var now = _time.GetUtcNow();
        var kubernetes = new Dictionary<string, object>(StringComparer.Ordinal)
        {
            ["namespace"] = account.Namespace,
            ["serviceaccount"] = new Dictionary<string, object>(StringComparer.Ordinal) { ["name"] = account.Name, ["uid"] = account.Uid },
        };
        if (account.PodName is not null)
        {
            kubernetes["pod"] = new Dictionary<string, object>(StringComparer.Ordinal) { ["name"] = account.PodName, ["uid"] = Guid.NewGuid().ToString() };
        }

        payload["aud"] = new[] { audience ?? DefaultKubernetesIssuer };
        payload["kubernetes.io"] = kubernetes;
        AddStandard(payload, kubernetesIssuer ?? DefaultKubernetesIssuer, now, now, now + (lifetime ?? DefaultLifetime));
        return Sign(payload, _credentials);
    }

    /// <summary>
    /// Validation parameters that accept exactly this issuer's good Gitea-shaped tokens for
    /// <paramref name="audience"/>: RS256 only, signature required, issuer, audience and lifetime
    /// checked with a 60 s clock skew (Vault's).
    /// </summary>
    public TokenValidationParameters CreateValidationParameters(string audience) => new()
    {
        ValidIssuer = Issuer,
        ValidAudience = audience,
        IssuerSigningKey = PublicKey,
        ValidAlgorithms = [SecurityAlgorithms.RsaSha256],
        RequireSignedTokens = true,
        RequireExpirationTime = true,
        ValidateIssuer = true,
        ValidateAudience = true,
        ValidateLifetime = true,
        ValidateIssuerSigningKey = true,
        ClockSkew = TimeSpan.FromSeconds(60),
        LifetimeValidator = null,
    };

    /// <inheritdoc />
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _rsa.Dispose();
    }

    private static void AddStandard(Dictionary<string, object> payload, string issuer, DateTimeOffset issuedAt, DateTimeOffset notBefore, DateTimeOffset expires)
    {
        payload["iss"] = issuer;
        payload["iat"] = issuedAt.ToUnixTimeSeconds();
        payload["nbf"] = notBefore.ToUnixTimeSeconds();
        payload["exp"] = expires.ToUnixTimeSeconds();
        payload["jti"] = Guid.NewGuid().ToString();
    }

    private string Sign(Dictionary<string, object> payload, SigningCredentials credentials)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return _handler.CreateToken(new SecurityTokenDescriptor { Claims = payload, SigningCredentials = credentials });
    }

    private string Unsigned(Dictionary<string, object> payload)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var header = Base64UrlEncoder.Encode("""{"alg":"none","typ":"JWT"}""");
        var body = Base64UrlEncoder.Encode(JsonSerializer.Serialize(payload));
        return $"{header}.{body}.";
    }

    private static string BuildJwks(RSAParameters parameters, string keyId)
    {
        var key = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["kty"] = "RSA",
            ["use"] = "sig",
            ["alg"] = "RS256",
            ["kid"] = keyId,
            ["n"] = Base64UrlEncoder.Encode(parameters.Modulus!),
            ["e"] = Base64UrlEncoder.Encode(parameters.Exponent!),
        };
        return JsonSerializer.Serialize(new Dictionary<string, object> { ["keys"] = new[] { key } });
    }
}
