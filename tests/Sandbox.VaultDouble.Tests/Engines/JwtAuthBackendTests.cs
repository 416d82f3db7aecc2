using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Sandbox.VaultDouble.Backends;
using Sandbox.VaultDouble.Engines.Jwt;

namespace Sandbox.VaultDouble.Tests.Engines;

[TestFixture]
public sealed class JwtAuthBackendTests
{
    private static RSA Key => TestKeys.Rsa;

    private static RSA OtherKey => TestKeys.OtherRsa;

    private static (JwtAuthBackend Backend, EngineHarness Harness) NewBackend()
    {
        var h = new EngineHarness();
        return (new JwtAuthBackend(h.Mount("jwt/", "jwt"), new HttpClient()), h);
    }

    private static async Task<(JwtAuthBackend, EngineHarness)> ConfiguredAsync(CancellationToken ct, JsonObject? role = null, JsonObject? config = null)
    {
        var (b, h) = NewBackend();
        config ??= [];
        config["jwt_validation_pubkeys"] ??= new JsonArray(Key.ExportSubjectPublicKeyInfoPem());
        config["bound_issuer"] ??= "https://gitea.sandbox";
        var c = await b.HandleAsync(h.Request(LogicalOperation.Update, "config", config), ct);
        Assert.That(c.StatusCode, Is.EqualTo(204), string.Join(",", c.Errors));
        role ??= new JsonObject
        {
            ["role_type"] = "jwt",
            ["user_claim"] = "actor",
            ["bound_audiences"] = new JsonArray("https://vault.sandbox"),
            ["bound_claims"] = new JsonObject { ["repository"] = "arcodange/app" },
            ["claim_mappings"] = new JsonObject { ["repository"] = "repo" },
            ["token_policies"] = "app-ops",
            ["token_ttl"] = "10m",
        };
        var r = await b.HandleAsync(h.Request(LogicalOperation.Create, "role/gitea_cicd_app", role), ct);
        Assert.That(r.StatusCode, Is.EqualTo(204), string.Join(",", r.Errors));
        return (b, h);
    }

    private static Task<BackendResponse> LoginAsync(JwtAuthBackend b, EngineHarness h, string? jwt, string? role = "gitea_cicd_app", CancellationToken ct = default)
        => b.HandleAsync(h.LoginRequest(role, jwt), ct);

    private static void AssertError(BackendResponse r, string message, int status = 400)
    {
        Assert.That(r.StatusCode, Is.EqualTo(status));
        Assert.That(r.Errors, Is.EqualTo(new[] { message }));
        Assert.That(r.MultiError, Is.False, "login errors are plain");
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task Login_WithAValidToken_ReturnsAuthWithPoliciesMetadataAndAlias(CancellationToken ct)
    {
        var (b, h) = await ConfiguredAsync(ct);
        var r = await LoginAsync(b, h, TestJwt.Sign(Key, TestJwt.Claims()), ct: ct);
        Assert.That(r.StatusCode, Is.EqualTo(200), string.Join(",", r.Errors));
        Assert.That(r.Auth!.Policies, Is.EqualTo(new[] { "app-ops" }));
        Assert.That(r.Auth.Metadata, Is.EqualTo(new Dictionary<string, string> { ["role"] = "gitea_cicd_app", ["repo"] = "arcodange/app" }));
        Assert.That(r.Auth.AliasName, Is.EqualTo("alice"));
        Assert.That(r.Auth.DisplayName, Is.EqualTo("jwt-alice"));
        Assert.That(r.Auth.Ttl, Is.EqualTo(TimeSpan.FromMinutes(10)));
        Assert.That(b.IsUnauthenticated("login"), Is.True);
        Assert.That(b.IsUnauthenticated("config"), Is.False);
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task Login_AcceptsATokenExpiredLessThanTheClockSkew(CancellationToken ct)
    {
        var (b, h) = await ConfiguredAsync(ct);
        var claims = TestJwt.Claims();
        claims["exp"] = TestJwt.Now(-30);
        Assert.That((await LoginAsync(b, h, TestJwt.Sign(Key, claims), ct: ct)).StatusCode, Is.EqualTo(200));
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task Login_DefaultRole_IsUsedWhenRoleIsMissing(CancellationToken ct)
    {
        var (b, h) = await ConfiguredAsync(ct, config: new JsonObject { ["default_role"] = "gitea_cicd_app" });
        Assert.That((await LoginAsync(b, h, TestJwt.Sign(Key, TestJwt.Claims()), role: null, ct: ct)).StatusCode, Is.EqualTo(200));
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task Login_RequestErrors_InVaultsOrder(CancellationToken ct)
    {
        var (b, h) = NewBackend();
        AssertError(await LoginAsync(b, h, "x", role: null, ct: ct), "missing role");
        AssertError(await LoginAsync(b, h, "x", role: "nope", ct: ct), "role \"nope\" could not be found");

        await b.HandleAsync(h.Request(LogicalOperation.Create, "role/o", new JsonObject { ["user_claim"] = "sub", ["allowed_redirect_uris"] = "http://localhost/cb" }), ct);
        AssertError(await LoginAsync(b, h, "x", role: "o", ct: ct), "role with oidc role_type is not allowed");

        await b.HandleAsync(h.Request(LogicalOperation.Create, "role/j", new JsonObject { ["role_type"] = "jwt", ["user_claim"] = "sub", ["bound_subject"] = "s" }), ct);
        AssertError(await LoginAsync(b, h, null, role: "j", ct: ct), "missing token");
        AssertError(await LoginAsync(b, h, "a.b.c", role: "j", ct: ct), "could not load configuration");
    }

    private static IEnumerable<TestCaseData> TokenErrors()
    {
        const string p = "error validating token: ";
        yield return new TestCaseData((Func<string>)(() => TestJwt.Sign(OtherKey, TestJwt.Claims())), p + "error verifying token signature: no known key successfully validated the token signature").SetName("WrongKey");
        yield return new TestCaseData((Func<string>)(() => TestJwt.Sign(Key, TestJwt.Claims(), alg: "none")), p + "error verifying token signature: no known key successfully validated the token signature").SetName("AlgNone");
        yield return new TestCaseData((Func<string>)(() => "not-a-jwt"), p + "error verifying token signature: malformed token: compact JWS format must have three parts").SetName("Malformed");
        yield return new TestCaseData((Func<string>)(() => TestJwt.Sign(Key, TestJwt.Claims(), alg: "RS384")), p + "invalid algorithm (alg) header parameter: token signed with unexpected algorithm").SetName("Rs384NotAllowedByDefault");
        yield return new TestCaseData((Func<string>)(() => TestJwt.Sign(Key, TestJwt.Claims(iss: "https://prod"))), p + "invalid issuer (iss) claim").SetName("WrongIssuer");
        yield return new TestCaseData((Func<string>)(() => TestJwt.Sign(Key, TestJwt.Claims(aud: "other"))), p + "invalid audience (aud) claim: audience claim does not match any expected audience").SetName("WrongAudience");
        yield return new TestCaseData((Func<string>)(() => TestJwt.Sign(Key, With(TestJwt.Claims(), "exp", TestJwt.Now(-120)))), p + "invalid expiration time (exp) claim: token is expired").SetName("Expired");
        yield return new TestCaseData((Func<string>)(() => TestJwt.Sign(Key, With(TestJwt.Claims(), "nbf", TestJwt.Now(600)))), p + "invalid not before (nbf) claim: token not yet valid").SetName("NotYetValid");
        yield return new TestCaseData((Func<string>)(() => TestJwt.Sign(Key, With(TestJwt.Claims(), "iat", TestJwt.Now(600)))), p + "invalid issued at (iat) claim: token issued in the future").SetName("IssuedInFuture");
        yield return new TestCaseData((Func<string>)(() => TestJwt.Sign(Key, Without(TestJwt.Claims(), "iat", "nbf", "exp"))), p + "no issued at (iat), not before (nbf), or expiration time (exp) claims in token").SetName("NoTimes");
        yield return new TestCaseData((Func<string>)(() => TestJwt.Sign(Key, Without(TestJwt.Claims(), "actor"))), "claim \"actor\" not found in token").SetName("NoUserClaim");
        yield return new TestCaseData((Func<string>)(() => TestJwt.Sign(Key, Without(TestJwt.Claims(), "repository"))), "error validating claims: claim \"repository\" is missing").SetName("BoundClaimMissing");
        yield return new TestCaseData((Func<string>)(() => TestJwt.Sign(Key, With(TestJwt.Claims(), "repository", "arcodange/other"))), "error validating claims: claim \"repository\" does not match any associated bound claim values").SetName("BoundClaimMismatch");
    }

    private static JsonObject With(JsonObject o, string k, JsonNode v)
    {
        o[k] = v;
        return o;
    }

    private static JsonObject Without(JsonObject o, params string[] keys)
    {
        foreach (var k in keys)
        {
            o.Remove(k);
        }

        return o;
    }

    [TestCaseSource(nameof(TokenErrors))]
    [CancelAfter(10_000)]
    public async Task Login_BadToken_Is400WithVaultsMessage(Func<string> token, string message, CancellationToken ct)
    {
        var (b, h) = await ConfiguredAsync(ct);
        AssertError(await LoginAsync(b, h, token(), ct: ct), message);
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task Login_SubjectMismatch_AndAudienceWithoutBoundAudiences(CancellationToken ct)
    {
        var (b, h) = await ConfiguredAsync(ct, role: new JsonObject { ["role_type"] = "jwt", ["user_claim"] = "sub", ["bound_subject"] = "expected-sub" });
        AssertError(await LoginAsync(b, h, TestJwt.Sign(Key, TestJwt.Claims(sub: "other")), ct: ct), "error validating token: invalid subject (sub) claim");
        AssertError(await LoginAsync(b, h, TestJwt.Sign(Key, TestJwt.Claims(sub: "expected-sub")), ct: ct), "audience claim found in JWT but no audiences bound to the role");
        Assert.That((await LoginAsync(b, h, TestJwt.Sign(Key, Without(TestJwt.Claims(sub: "expected-sub"), "aud")), ct: ct)).StatusCode, Is.EqualTo(200));
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task Login_GlobBoundClaims_AndExplicitAlgList(CancellationToken ct)
    {
        var role = new JsonObject
        {
            ["role_type"] = "jwt",
            ["user_claim"] = "sub",
            ["bound_audiences"] = "https://vault.sandbox",
            ["bound_claims_type"] = "glob",
            ["bound_claims"] = new JsonObject { ["repository"] = new JsonArray("arcodange/*", "x") },
        };
        var (b, h) = await ConfiguredAsync(ct, role, new JsonObject { ["jwt_supported_algs"] = new JsonArray("RS384") });
        Assert.That((await LoginAsync(b, h, TestJwt.Sign(Key, TestJwt.Claims(), alg: "RS384"), ct: ct)).StatusCode, Is.EqualTo(200));
        AssertError(await LoginAsync(b, h, TestJwt.Sign(Key, TestJwt.Claims()), ct: ct), "error validating token: invalid algorithm (alg) header parameter: token signed with unexpected algorithm");
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task Login_RoleWithTokenBoundCidrs_Is403_AfterTheTokenChecks(CancellationToken ct)
    {
        var role = new JsonObject { ["role_type"] = "jwt", ["user_claim"] = "sub", ["token_bound_cidrs"] = "10.0.0.0/8" };
        var (b, h) = await ConfiguredAsync(ct, role);
        AssertError(await LoginAsync(b, h, TestJwt.Sign(Key, TestJwt.Claims()), ct: ct), "permission denied", 403);
        AssertError(await LoginAsync(b, h, TestJwt.Sign(OtherKey, TestJwt.Claims()), ct: ct), "error validating token: error verifying token signature: no known key successfully validated the token signature");
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task Config_NeedsExactlyOneKeySource(CancellationToken ct)
    {
        var (b, h) = NewBackend();
        var none = await b.HandleAsync(h.Request(LogicalOperation.Update, "config", new JsonObject { ["bound_issuer"] = "x" }), ct);
        Assert.That(none.StatusCode, Is.EqualTo(400));
        Assert.That(none.Errors[0], Does.StartWith("exactly one of"));
        var two = await b.HandleAsync(h.Request(LogicalOperation.Update, "config", new JsonObject
        {
            ["jwt_validation_pubkeys"] = new JsonArray(Key.ExportSubjectPublicKeyInfoPem()),
            ["jwks_url"] = "http://127.0.0.1:1/jwks",
        }), ct);
        Assert.That(two.Errors[0], Does.StartWith("exactly one of"));
        var badPem = await b.HandleAsync(h.Request(LogicalOperation.Update, "config", new JsonObject { ["jwt_validation_pubkeys"] = new JsonArray("garbage") }), ct);
        Assert.That(badPem.Errors[0], Does.StartWith("error parsing public key"));
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task Role_Validation_MatchesVault(CancellationToken ct)
    {
        var (b, h) = NewBackend();
        var oidc = await b.HandleAsync(h.Request(LogicalOperation.Create, "role/r", new JsonObject { ["user_claim"] = "sub" }), ct);
        AssertError(oidc, "'allowed_redirect_uris' must be set if 'role_type' is 'oidc' or unspecified.");
        var unbound = await b.HandleAsync(h.Request(LogicalOperation.Create, "role/r", new JsonObject { ["role_type"] = "jwt", ["user_claim"] = "sub" }), ct);
        AssertError(unbound, "must have at least one bound constraint when creating/updating a role");
        var noUser = await b.HandleAsync(h.Request(LogicalOperation.Create, "role/r", new JsonObject { ["role_type"] = "jwt", ["bound_subject"] = "s" }), ct);
        AssertError(noUser, "a user claim must be defined on the role");

        await b.HandleAsync(h.Request(LogicalOperation.Create, "role/r", new JsonObject { ["role_type"] = "jwt", ["bound_subject"] = "s", ["user_claim"] = "sub", ["token_ttl"] = "1h", ["token_policies"] = "a,b" }), ct);
        var read = await b.HandleAsync(h.Request(LogicalOperation.Read, "role/r"), ct);
        Assert.That(read.Data!["token_ttl"]!.GetValue<long>(), Is.EqualTo(3600));
        Assert.That(read.Data!["token_policies"]!.AsArray().Select(x => x!.GetValue<string>()), Is.EqualTo(new[] { "a", "b" }));
        Assert.That(read.Data!["clock_skew_leeway"]!.GetValue<long>(), Is.EqualTo(60));
        Assert.That(read.Data!["bound_claims_type"]!.GetValue<string>(), Is.EqualTo("string"));
    }
}

[TestFixture]
public sealed class JwtAuthBackendJwksTests
{
    private static JsonObject Jwks(RSA key, string kid)
    {
        var jwk = Microsoft.IdentityModel.Tokens.JsonWebKeyConverter.ConvertFromRSASecurityKey(
            new Microsoft.IdentityModel.Tokens.RsaSecurityKey(key.ExportParameters(false)) { KeyId = kid });
        return new JsonObject
        {
            ["keys"] = new JsonArray(new JsonObject { ["kty"] = "RSA", ["kid"] = jwk.Kid, ["use"] = "sig", ["alg"] = "RS256", ["n"] = jwk.N, ["e"] = jwk.E }),
        };
    }

    [Test]
    [CancelAfter(15_000)]
    public async Task JwksUrl_IsFetchedThroughTheInjectedClient_AndValidatesLogins(CancellationToken ct)
    {
        var current = TestKeys.Rsa;
        await using var server = new FakeTokenReviewServer { Respond = _ => (200, Jwks(current, "k1")) };
        var h = new EngineHarness();
        var b = new JwtAuthBackend(h.Mount("jwt/", "jwt"), new HttpClient());
        var config = await b.HandleAsync(h.Request(LogicalOperation.Update, "config", new JsonObject { ["jwks_url"] = server.Url + "/jwks" }), ct);
        Assert.That(config.StatusCode, Is.EqualTo(204), string.Join(",", config.Errors));
        Assert.That(server.Requests.Single().Path, Is.EqualTo("/jwks"), "fetched once at write time");
        await b.HandleAsync(h.Request(LogicalOperation.Create, "role/r", new JsonObject { ["role_type"] = "jwt", ["user_claim"] = "sub", ["bound_audiences"] = "https://vault.sandbox" }), ct);

        var ok = await b.HandleAsync(h.Request(LogicalOperation.Update, "login", new JsonObject { ["role"] = "r", ["jwt"] = TestJwt.Sign(TestKeys.Rsa, TestJwt.Claims(), kid: "k1") }, token: null), ct);
        Assert.That(ok.StatusCode, Is.EqualTo(200), string.Join(",", ok.Errors));

        current = TestKeys.OtherRsa;
        var rotated = await b.HandleAsync(h.Request(LogicalOperation.Update, "login", new JsonObject { ["role"] = "r", ["jwt"] = TestJwt.Sign(TestKeys.Rsa, TestJwt.Claims(), kid: "k1") }, token: null), ct);
        Assert.That(rotated.Errors, Is.EqualTo(new[] { "error validating token: error verifying token signature: no known key successfully validated the token signature" }));
    }

    [Test]
    [CancelAfter(15_000)]
    public async Task JwksUrl_Unreachable_Is400AtConfigTime(CancellationToken ct)
    {
        var gone = new FakeTokenReviewServer();
        var url = gone.Url + "/jwks";
        await gone.DisposeAsync();
        var h = new EngineHarness();
        var b = new JwtAuthBackend(h.Mount("jwt/", "jwt"), new HttpClient());
        var config = await b.HandleAsync(h.Request(LogicalOperation.Update, "config", new JsonObject { ["jwks_url"] = url }), ct);
        Assert.That(config.StatusCode, Is.EqualTo(400));
        Assert.That(config.Errors[0], Does.StartWith("error checking jwks URL: "));
        Assert.That(await h.Storage.GetAsync("config", ct), Is.Null);
    }
}
