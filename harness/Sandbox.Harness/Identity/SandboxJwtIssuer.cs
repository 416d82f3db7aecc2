using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Sandbox.Harness.Guard;
using Sandbox.Harness.Keys;
using Sandbox.Harness.Keys.Internal;

namespace Sandbox.Harness.Identity;

/// <summary>
/// The sandbox's own token issuer: an RSA-2048 key pair made per sandbox that signs RS256 JWTs
/// shaped like Gitea Actions OIDC tokens (for Vault's JWT auth) and like Kubernetes service-account
/// tokens (for Kubernetes auth). It exports the public key as PEM (for <c>jwt_validation_pubkeys</c>
/// or <c>pem_keys</c>) and as a JWKS, and mints deliberately bad tokens for negative tests.
/// The private key leaves the process only through <see cref="SaveAsync"/> (a 0600 file in the run
/// folder, so that later commands can mint tokens Vault trusts) and comes back through <see cref="LoadAsync"/>.
/// </summary>
internal sealed class SandboxJwtIssuer : IDisposable
{
    /// <summary>The issuer of legacy service-account tokens.</summary>
    public const string LegacyServiceAccountIssuer = "kubernetes/serviceaccount";

    /// <summary>The default issuer of projected service-account tokens.</summary>
    public const string DefaultKubernetesIssuer = "https://kubernetes.default.svc.cluster.local";

    /// <summary>How far past or ahead the time claims of <see cref="BadTokenKind.Expired"/> and <see cref="BadTokenKind.NotYetValid"/> are.</summary>
    public static readonly TimeSpan BadTimeOffset = TimeSpan.FromMinutes(10);

    /// <summary>The smallest RSA key <see cref="LoadAsync"/> accepts.</summary>
    public const int MinKeySizeBits = 2048;

    /// <summary>Larger key files are refused: an RSA private key PEM is a few kilobytes.</summary>
    public const int MaxKeyFileBytes = 64 * 1024;

    private const string FileCaller = "jwt-issuer";

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
        : this(issuer, RSA.Create(MinKeySizeBits), timeProvider)
    {
    }

    private SandboxJwtIssuer(string issuer, RSA rsa, TimeProvider? timeProvider)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(issuer);
        Issuer = issuer;
        _time = timeProvider ?? TimeProvider.System;
        _rsa = rsa;
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

    /// <summary>
    /// Saves the private key as a PEM <c>PRIVATE KEY</c> (PKCS#8) block, atomically (temporary file +
    /// rename) with mode 0600. The guard sees the path before anything is opened.
    /// </summary>
    /// <param name="path">The key file (for a sandbox: <c>SandboxPaths.JwtIssuerKeyFile</c>); its folder must exist.</param>
    /// <param name="guard">The production guard; a denylisted path is refused before it is opened.</param>
    /// <param name="cancellationToken">Cancels the write; the old file, if any, stays as it was.</param>
    /// <exception cref="IssuerKeyFileException">The write failed (the old file is intact).</exception>
    /// <exception cref="GuardBlockedException">The guard refused the path.</exception>
    public Task SaveAsync(string path, SandboxGuard guard, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(guard);
        ObjectDisposedException.ThrowIf(_disposed, this);
        return SaveCoreAsync(path, new GuardFileCheck(guard), cancellationToken);
    }

    /// <summary>
    /// Loads an issuer whose key was saved by <see cref="SaveAsync"/>. The guard sees the path before it
    /// is opened; errors name the file and never show key material.
    /// </summary>
    /// <param name="path">The key file.</param>
    /// <param name="issuer">The <c>iss</c> of Gitea-shaped tokens (the topology's <c>bound_issuer</c>).</param>
    /// <param name="guard">The production guard.</param>
    /// <param name="timeProvider">The clock; <see cref="TimeProvider.System"/> when null.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The issuer, with the saved key pair.</returns>
    /// <exception cref="IssuerKeyFileException">The file is missing, unreadable, or not an RSA private key of at least <see cref="MinKeySizeBits"/> bits.</exception>
    /// <exception cref="GuardBlockedException">The guard refused the path (it was not opened).</exception>
    public static Task<SandboxJwtIssuer> LoadAsync(string path, string issuer, SandboxGuard guard, TimeProvider? timeProvider = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(guard);
        return LoadCoreAsync(path, issuer, new GuardFileCheck(guard), timeProvider, cancellationToken);
    }

    internal async Task SaveCoreAsync(string path, IFileGuard guard, CancellationToken cancellationToken = default)
    {
        var full = GuardPath(path, guard);
        var pem = _rsa.ExportPkcs8PrivateKeyPem();
        var bytes = Encoding.ASCII.GetBytes(pem);
        try
        {
            await AtomicFileWriter.WriteAsync(guard, FileCaller, full, bytes, ex => IssuerKeyFileException.Io(full, "write", ex), cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(bytes);
        }
    }

    internal static async Task<SandboxJwtIssuer> LoadCoreAsync(string path, string issuer, IFileGuard guard, TimeProvider? timeProvider, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(issuer);
        var full = GuardPath(path, guard);
        byte[] bytes;
        try
        {
            await using var stream = guard.OpenRead(full, FileCaller);
            if (stream.Length > MaxKeyFileBytes)
            {
                throw IssuerKeyFileException.Corrupt(full, $"the file is {stream.Length} bytes, far more than a key file ever is (limit {MaxKeyFileBytes})");
            }

            bytes = new byte[stream.Length];
            await stream.ReadExactlyAsync(bytes, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            throw IssuerKeyFileException.Missing(full, ex);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw IssuerKeyFileException.Io(full, "read", ex);
        }

        var rsa = RSA.Create();
        try
        {
            if (bytes.AsSpan().Trim((ReadOnlySpan<byte>)[(byte)' ', (byte)'\t', (byte)'\r', (byte)'\n']).IsEmpty)
            {
                throw IssuerKeyFileException.Corrupt(full, "the file is empty");
            }

            var chars = Encoding.ASCII.GetChars(bytes);
            try
            {
                // Only a private key will do: a PUBLIC KEY block would load but could not sign.
                if (!PemEncoding.TryFind(chars, out var fields) || chars.AsSpan(fields.Label).ToString() is not ("PRIVATE KEY" or "RSA PRIVATE KEY"))
                {
                    throw IssuerKeyFileException.Corrupt(full, "it holds no PEM 'PRIVATE KEY' block");
                }

                rsa.ImportFromPem(chars);
            }
            catch (Exception ex) when (ex is CryptographicException or ArgumentException)
            {
                // The inner message of the crypto library names no key bytes, but keep it out of ours anyway.
                throw IssuerKeyFileException.Corrupt(full, "the PEM block does not decode to an RSA private key (cut or edited)", ex);
            }
            finally
            {
                Array.Clear(chars);
            }

            if (rsa.KeySize < MinKeySizeBits)
            {
                throw IssuerKeyFileException.Corrupt(full, $"the key is {rsa.KeySize} bits");
            }

            return new SandboxJwtIssuer(issuer, rsa, timeProvider);
        }
        catch
        {
            rsa.Dispose();
            throw;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(bytes);
        }
    }

    private static string GuardPath(string path, IFileGuard guard)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);

        // The guard sees the path as given and as resolved, before anything touches the disk.
        guard.EnsureFileAllowed(path, FileCaller);
        var full = Path.GetFullPath(path);
        if (!string.Equals(full, path, StringComparison.Ordinal))
        {
            guard.EnsureFileAllowed(full, FileCaller);
        }

        return full;
    }

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
