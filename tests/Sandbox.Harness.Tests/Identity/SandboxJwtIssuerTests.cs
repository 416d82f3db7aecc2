using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using NUnit.Framework;
using Sandbox.Harness.Identity;

namespace Sandbox.Harness.Tests.Identity;

[TestFixture]
public sealed class SandboxJwtIssuerTests
{
    private const string Issuer = "https://gitea.arcodange.lab/api/actions";
    private static readonly GiteaActionsClaims AppClaims = new("arcodange/webapp") { Audience = "vault.sandbox", Actor = "alice", RunId = "4242" };

    private readonly JsonWebTokenHandler _handler = new();

    private static Dictionary<string, JsonElement> Payload(string token)
    {
        var part = token.Split('.')[1];
        return JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(Base64UrlEncoder.Decode(part))!;
    }

    private static Dictionary<string, JsonElement> Header(string token) =>
        JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(Base64UrlEncoder.Decode(token.Split('.')[0]))!;

    [Test]
    [CancelAfter(10_000)]
    public async Task GoodToken_ValidatesWithMicrosoftIdentityModel_AndCarriesTheGiteaClaims(CancellationToken cancellationToken)
    {
        using var issuer = new SandboxJwtIssuer(Issuer);

        var token = issuer.MintGiteaToken(AppClaims);
        var result = await _handler.ValidateTokenAsync(token, issuer.CreateValidationParameters("vault.sandbox"));

        Assert.That(result.IsValid, Is.True, () => result.Exception?.Message ?? string.Empty);
        var payload = Payload(token);
        var header = Header(token);
        Assert.Multiple(() =>
        {
            Assert.That(header["alg"].GetString(), Is.EqualTo("RS256"));
            Assert.That(header["kid"].GetString(), Is.EqualTo(issuer.KeyId));
            Assert.That(header["typ"].GetString(), Is.EqualTo("JWT"));
            Assert.That(payload["iss"].GetString(), Is.EqualTo(Issuer));
            Assert.That(payload["sub"].GetString(), Is.EqualTo("repo:arcodange/webapp:ref:refs/heads/main"));
            Assert.That(payload["aud"].GetString(), Is.EqualTo("vault.sandbox"));
            Assert.That(payload["repository"].GetString(), Is.EqualTo("arcodange/webapp"));
            Assert.That(payload["repository_owner"].GetString(), Is.EqualTo("arcodange"));
            Assert.That(payload["ref"].GetString(), Is.EqualTo("refs/heads/main"));
            Assert.That(payload["ref_type"].GetString(), Is.EqualTo("branch"));
            Assert.That(payload["actor"].GetString(), Is.EqualTo("alice"));
            Assert.That(payload["workflow"].GetString(), Is.EqualTo("deploy"));
            Assert.That(payload["event_name"].GetString(), Is.EqualTo("push"));
            Assert.That(payload["sha"].GetString(), Has.Length.EqualTo(40));
            Assert.That(payload["run_id"].GetString(), Is.EqualTo("4242"));
            Assert.That(payload["jti"].GetString(), Is.Not.Empty);
            Assert.That(payload["exp"].GetInt64() - payload["iat"].GetInt64(), Is.EqualTo((long)SandboxJwtIssuer.DefaultLifetime.TotalSeconds));
            Assert.That(payload["nbf"].GetInt64(), Is.EqualTo(payload["iat"].GetInt64()));
        });
        await Task.CompletedTask;
    }

    [Test]
    public void TimeClaims_ComeFromTheInjectedClock()
    {
        var now = new DateTimeOffset(2026, 11, 28, 9, 0, 0, TimeSpan.Zero);
        using var issuer = new SandboxJwtIssuer(Issuer, new FixedClock(now));

        var payload = Payload(issuer.MintGiteaToken(AppClaims, TimeSpan.FromMinutes(3)));

        Assert.That(payload["iat"].GetInt64(), Is.EqualTo(now.ToUnixTimeSeconds()));
        Assert.That(payload["exp"].GetInt64(), Is.EqualTo(now.AddMinutes(3).ToUnixTimeSeconds()));
    }

    [Test]
    public void TagRef_HasRefTypeTag_AndEachTokenAFreshJti()
    {
        using var issuer = new SandboxJwtIssuer(Issuer);
        var claims = AppClaims with { Ref = "refs/tags/v1.2.3" };

        var first = Payload(issuer.MintGiteaToken(claims));
        var second = Payload(issuer.MintGiteaToken(claims));

        Assert.That(first["ref_type"].GetString(), Is.EqualTo("tag"));
        Assert.That(first["sub"].GetString(), Is.EqualTo("repo:arcodange/webapp:ref:refs/tags/v1.2.3"));
        Assert.That(first["jti"].GetString(), Is.Not.EqualTo(second["jti"].GetString()));
    }

    private static IEnumerable<TestCaseData> BadTokens()
    {
        yield return new TestCaseData(BadTokenKind.Expired, typeof(SecurityTokenExpiredException));
        yield return new TestCaseData(BadTokenKind.NotYetValid, typeof(SecurityTokenNotYetValidException));
        yield return new TestCaseData(BadTokenKind.WrongAudience, typeof(SecurityTokenInvalidAudienceException));
        yield return new TestCaseData(BadTokenKind.WrongIssuer, typeof(SecurityTokenInvalidIssuerException));
        yield return new TestCaseData(BadTokenKind.WrongKey, typeof(SecurityTokenInvalidSignatureException));
        yield return new TestCaseData(BadTokenKind.AlgNone, typeof(SecurityTokenInvalidSignatureException));
    }

    [TestCaseSource(nameof(BadTokens))]
    [CancelAfter(10_000)]
    // The kind is passed as object: BadTokenKind is internal to the library, and a test method is public.
    public async Task BadToken_IsRejectedForItsOwnReason(object badToken, Type expected, CancellationToken cancellationToken)
    {
        var kind = (BadTokenKind)badToken;
        using var issuer = new SandboxJwtIssuer(Issuer);

        var token = issuer.MintBadToken(kind, AppClaims);
        var result = await _handler.ValidateTokenAsync(token, issuer.CreateValidationParameters("vault.sandbox"));

        Assert.That(result.IsValid, Is.False);
        Assert.That(result.Exception, Is.InstanceOf(expected), () => result.Exception?.ToString() ?? string.Empty);
    }

    [Test]
    public void ExpiredAndNotYetValid_AreBeyondVaultsLeeways()
    {
        var now = DateTimeOffset.UtcNow;
        using var issuer = new SandboxJwtIssuer(Issuer, new FixedClock(now));
        var vaultTolerance = TimeSpan.FromSeconds(60 + 150); // clock_skew_leeway + expiration/not_before leeway

        var expired = Payload(issuer.MintBadToken(BadTokenKind.Expired, AppClaims));
        var early = Payload(issuer.MintBadToken(BadTokenKind.NotYetValid, AppClaims));

        Assert.That(expired["exp"].GetInt64(), Is.LessThan((now - vaultTolerance).ToUnixTimeSeconds()));
        Assert.That(expired["exp"].GetInt64(), Is.GreaterThan(expired["iat"].GetInt64()));
        Assert.That(early["nbf"].GetInt64(), Is.GreaterThan((now + vaultTolerance).ToUnixTimeSeconds()));
        Assert.That(early["iat"].GetInt64(), Is.EqualTo(now.ToUnixTimeSeconds()), "only nbf is in the future, so Vault rejects it for nbf");
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task WrongBoundClaim_PassesSignatureAndLifetime_ButFailsABoundClaimsCheck(CancellationToken cancellationToken)
    {
        using var issuer = new SandboxJwtIssuer(Issuer);

        var token = issuer.MintBadToken(BadTokenKind.WrongBoundClaim, AppClaims);
        var result = await _handler.ValidateTokenAsync(token, issuer.CreateValidationParameters("vault.sandbox"));

        Assert.That(result.IsValid, Is.True, "only the bound claim is wrong");
        var boundClaims = new Dictionary<string, string> { ["repository"] = "arcodange/webapp", ["repository_owner"] = "arcodange" };
        var mismatched = boundClaims.Where(b => result.Claims[b.Key] as string != b.Value).Select(b => b.Key).ToArray();
        Assert.That(mismatched, Is.EquivalentTo(new[] { "repository", "repository_owner" }));
        Assert.That(result.Claims["sub"], Is.EqualTo(AppClaims.EffectiveSubject), "the subject is untouched");
    }

    [Test]
    public void AlgNone_HasAnEmptySignature()
    {
        using var issuer = new SandboxJwtIssuer(Issuer);

        var token = issuer.MintBadToken(BadTokenKind.AlgNone, AppClaims);

        Assert.That(token, Does.EndWith("."));
        Assert.That(Header(token)["alg"].GetString(), Is.EqualTo("none"));
        Assert.That(Payload(token)["repository"].GetString(), Is.EqualTo("arcodange/webapp"));
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task PublicKeyPem_VerifiesGoodTokens(CancellationToken cancellationToken)
    {
        using var issuer = new SandboxJwtIssuer(Issuer);
        using var rsa = RSA.Create();
        rsa.ImportFromPem(issuer.PublicKeyPem);
        var parameters = issuer.CreateValidationParameters("vault.sandbox");
        parameters.IssuerSigningKey = new RsaSecurityKey(rsa);

        var result = await _handler.ValidateTokenAsync(issuer.MintGiteaToken(AppClaims), parameters);

        Assert.That(issuer.PublicKeyPem, Does.StartWith("-----BEGIN PUBLIC KEY-----"));
        Assert.That(issuer.PublicKeyPem, Does.Not.Contain("PRIVATE"));
        Assert.That(rsa.KeySize, Is.EqualTo(2048));
        Assert.That(result.IsValid, Is.True, () => result.Exception?.Message ?? string.Empty);
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task Jwks_VerifiesGoodTokens_ByKid(CancellationToken cancellationToken)
    {
        using var issuer = new SandboxJwtIssuer(Issuer);
        var jwks = new JsonWebKeySet(issuer.JwksJson);
        var parameters = issuer.CreateValidationParameters("vault.sandbox");
        parameters.IssuerSigningKey = null;
        parameters.IssuerSigningKeys = jwks.GetSigningKeys();

        var result = await _handler.ValidateTokenAsync(issuer.MintGiteaToken(AppClaims), parameters);

        Assert.That(result.IsValid, Is.True, () => result.Exception?.Message ?? string.Empty);
        var key = jwks.Keys.Single();
        Assert.Multiple(() =>
        {
            Assert.That(key.Kid, Is.EqualTo(issuer.KeyId));
            Assert.That(key.Kty, Is.EqualTo("RSA"));
            Assert.That(key.Alg, Is.EqualTo("RS256"));
            Assert.That(key.Use, Is.EqualTo("sig"));
            Assert.That(key.D, Is.Null, "no private part in the JWKS");
            Assert.That(issuer.JwksJson, Does.Not.Contain("\"d\""));
        });
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task EachSandboxHasItsOwnKey(CancellationToken cancellationToken)
    {
        using var a = new SandboxJwtIssuer(Issuer);
        using var b = new SandboxJwtIssuer(Issuer);

        var result = await _handler.ValidateTokenAsync(a.MintGiteaToken(AppClaims), b.CreateValidationParameters("vault.sandbox"));

        Assert.That(a.PublicKeyPem, Is.Not.EqualTo(b.PublicKeyPem));
        Assert.That(result.IsValid, Is.False);
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task ProjectedServiceAccountToken_HasTheNestedKubernetesClaims(CancellationToken cancellationToken)
    {
        using var issuer = new SandboxJwtIssuer(Issuer);
        var account = new ServiceAccountIdentity("webapp", "webapp") { Uid = "0b7d3f3e-1111-2222-3333-444455556666", PodName = "webapp-0" };

        var token = issuer.MintServiceAccountToken(account, audience: "vault");
        var result = await _handler.ValidateTokenAsync(token, new TokenValidationParameters
        {
            IssuerSigningKey = issuer.PublicKey,
            ValidIssuer = SandboxJwtIssuer.DefaultKubernetesIssuer,
            ValidAudience = "vault",
        });

        Assert.That(result.IsValid, Is.True, () => result.Exception?.Message ?? string.Empty);
        var payload = Payload(token);
        var kubernetes = payload["kubernetes.io"];
        Assert.Multiple(() =>
        {
            Assert.That(payload["sub"].GetString(), Is.EqualTo("system:serviceaccount:webapp:webapp"));
            Assert.That(payload["aud"].ValueKind, Is.EqualTo(JsonValueKind.Array));
            Assert.That(payload["aud"][0].GetString(), Is.EqualTo("vault"));
            Assert.That(kubernetes.GetProperty("namespace").GetString(), Is.EqualTo("webapp"));
            Assert.That(kubernetes.GetProperty("serviceaccount").GetProperty("name").GetString(), Is.EqualTo("webapp"));
            Assert.That(kubernetes.GetProperty("serviceaccount").GetProperty("uid").GetString(), Is.EqualTo(account.Uid));
            Assert.That(kubernetes.GetProperty("pod").GetProperty("name").GetString(), Is.EqualTo("webapp-0"));
            Assert.That(payload.ContainsKey("exp"), Is.True);
        });
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task LegacyServiceAccountToken_HasFlatClaims_AndNoExpiry(CancellationToken cancellationToken)
    {
        using var issuer = new SandboxJwtIssuer(Issuer);
        var account = new ServiceAccountIdentity("webapp", "webapp");

        var token = issuer.MintServiceAccountToken(account, ServiceAccountTokenForm.Legacy);
        var result = await _handler.ValidateTokenAsync(token, new TokenValidationParameters
        {
            IssuerSigningKey = issuer.PublicKey,
            ValidIssuer = SandboxJwtIssuer.LegacyServiceAccountIssuer,
            ValidateAudience = false,
            ValidateLifetime = false,
            RequireExpirationTime = false,
        });

        Assert.That(result.IsValid, Is.True, () => result.Exception?.Message ?? string.Empty);
        var payload = Payload(token);
        Assert.Multiple(() =>
        {
            Assert.That(payload["iss"].GetString(), Is.EqualTo("kubernetes/serviceaccount"));
            Assert.That(payload["kubernetes.io/serviceaccount/namespace"].GetString(), Is.EqualTo("webapp"));
            Assert.That(payload["kubernetes.io/serviceaccount/service-account.name"].GetString(), Is.EqualTo("webapp"));
            Assert.That(payload["kubernetes.io/serviceaccount/service-account.uid"].GetString(), Is.EqualTo(account.Uid));
            Assert.That(payload.ContainsKey("exp"), Is.False);
        });
    }

    [Test]
    public void DisposedIssuer_RefusesToMint()
    {
        var issuer = new SandboxJwtIssuer(Issuer);
        issuer.Dispose();
        issuer.Dispose();

        Assert.Throws<ObjectDisposedException>(() => issuer.MintGiteaToken(AppClaims));
    }

    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
