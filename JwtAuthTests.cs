using System.Text.Json.Nodes;
using Sandbox.Harness.Identity;
using Sandbox.VaultDouble.Tests.Infrastructure;

namespace Sandbox.VaultDouble.Tests.Engines;

/// <summary>§11 JWT auth over HTTP: config, roles, and every login check with Vault's message.</summary>
[TestFixture, CancelAfter(60_000)]
public sealed class JwtAuthTests : ConformanceFixture
{
    private const string Repo = "arcodange/app";
    private SandboxJwtIssuer _issuer = null!;
    private TestSigner _signer = null!;

    [OneTimeSetUp]
    public void CreateKeys()
    {
        _issuer = new SandboxJwtIssuer("https://gitea.sandbox.test");
        _signer = new TestSigner();
    }

    [OneTimeTearDown]
    public void DisposeKeys()
    {
        _issuer.Dispose();
        _signer.Dispose();
    }

    private async Task<string> MountJwtAsync(CancellationToken ct, JsonObject? config = null)
    {
        var mount = Unique("jwt");
        var m = await Http.PostAsync("sys/auth/" + mount, new JsonObject { ["type"] = "jwt" }, Root, ct);
        Assert.That(m.Code, Is.EqualTo(204), m.ToString());
        if (config is not null)
        {
            var c = await Http.PostAsync($"auth/{mount}/config", config, Root, ct);
            Assert.That(c.Code, Is.EqualTo(204), c.ToString());
        }

        return mount;
    }

    private JsonObject IssuerConfig(params string[] extraKeys) => new()
    {
        ["jwt_validation_pubkeys"] = new JsonArray([_issuer.PublicKeyPem, .. extraKeys.Select(k => (JsonNode?)k)]),
        ["bound_issuer"] = _issuer.Issuer,
    };

    private static JsonObject CiRole() => new()
    {
        ["role_type"] = "jwt",
        ["user_claim"] = "sub",
        ["bound_audiences"] = new JsonArray("vault"),
        ["bound_claims"] = new JsonObject { ["repository"] = Repo, ["ref"] = new JsonArray("refs/heads/main", "refs/heads/release") },
        ["claim_mappings"] = new JsonObject { ["repository"] = "repo", ["actor"] = "who" },
        ["token_policies"] = "ci-deploy,ci-read",
        ["token_ttl"] = "20m",
    };

    private async Task<string> WithRoleAsync(CancellationToken ct, JsonObject? role = null, JsonObject? config = null, string name = "ci")
    {
        var mount = await MountJwtAsync(ct, config ?? IssuerConfig(_signer.PublicKeyPem));
        var r = await Http.PostAsync($"auth/{mount}/role/{name}", role ?? CiRole(), Root, ct);
        Assert.That(r.Code, Is.EqualTo(204), r.ToString());
        return mount;
    }

    private Task<VaultResponse> LoginAsync(string mount, string jwt, CancellationToken ct, string? role = "ci")
    {
        var body = new JsonObject { ["jwt"] = jwt };
        if (role is not null)
        {
            body["role"] = role;
        }

        return Http.PostAsync($"auth/{mount}/login", body, null, ct);
    }

    private static JsonObject GoodClaims(string? issuer = null) => new()
    {
        ["iss"] = issuer ?? "https://gitea.sandbox.test",
        ["sub"] = "repo:arcodange/app:ref:refs/heads/main",
        ["aud"] = "vault",
        ["repository"] = Repo,
        ["ref"] = "refs/heads/main",
        ["iat"] = TestSigner.Now(),
        ["exp"] = TestSigner.Now(600),
    };

    [Test]
    public async Task Login_WithAGoodToken_GivesAServiceTokenWithRolePoliciesMetadataAndAlias(CancellationToken ct)
    {
        var mount = await WithRoleAsync(ct);
        var jwt = _issuer.MintGiteaToken(new GiteaActionsClaims(Repo));

        var login = await LoginAsync(mount, jwt, ct);

        Assert.That(login.Code, Is.EqualTo(200), login.ToString());
        var auth = login.Json!["auth"]!;
        Assert.Multiple(() =>
        {
            Assert.That(login.Json["data"], Is.Null);
            Assert.That(auth["client_token"]!.GetValue<string>(), Is.Not.Empty);
            Assert.That(auth["policies"]!.AsArray().Select(p => p!.GetValue<string>()), Is.EquivalentTo(new[] { "ci-deploy", "ci-read", "default" }));
            Assert.That(auth["token_policies"]!.AsArray().Select(p => p!.GetValue<string>()), Does.Contain("ci-deploy"));
            Assert.That(auth["metadata"]!["role"]!.GetValue<string>(), Is.EqualTo("ci"));
            Assert.That(auth["metadata"]!["repo"]!.GetValue<string>(), Is.EqualTo(Repo));
            Assert.That(auth["metadata"]!["who"]!.GetValue<string>(), Is.EqualTo("sandbox-ci"));
            Assert.That(auth["lease_duration"]!.GetValue<long>(), Is.EqualTo(1200));
            Assert.That(auth["renewable"]!.GetValue<bool>(), Is.True);
            Assert.That(auth["entity_id"]!.GetValue<string>(), Is.Not.Empty);
            Assert.That(auth["token_type"]!.GetValue<string>(), Is.EqualTo("service"));
        });
        var self = await Http.GetAsync("auth/token/lookup-self", auth["client_token"]!.GetValue<string>(), ct);
        Assert.That(self.Code, Is.EqualTo(200), self.ToString());
        Assert.That(self.Data!["display_name"]!.GetValue<string>(), Does.EndWith("repo:arcodange/app:ref:refs/heads/main"));
    }

    [TestCase(BadTokenKind.Expired, "error validating token: invalid expiration time (exp) claim: token is expired")]
    [TestCase(BadTokenKind.NotYetValid, "error validating token: invalid not before (nbf) claim: token not yet valid")]
    [TestCase(BadTokenKind.WrongAudience, "error validating token: invalid audience (aud) claim: audience claim does not match any expected audience")]
    [TestCase(BadTokenKind.WrongIssuer, "error validating token: invalid issuer (iss) claim")]
    [TestCase(BadTokenKind.WrongKey, "error validating token: error verifying token signature: no known key successfully validated the token signature")]
    [TestCase(BadTokenKind.WrongBoundClaim, "error validating claims: claim \"repository\" does not match any associated bound claim values")]
    [TestCase(BadTokenKind.AlgNone, "error validating token: error verifying token signature: no known key successfully validated the token signature")]
    public async Task Login_WithABadToken_Is400WithVaultsMessage(BadTokenKind kind, string message, CancellationToken ct)
    {
        var mount = await WithRoleAsync(ct);

        var login = await LoginAsync(mount, _issuer.MintBadToken(kind, new GiteaActionsClaims(Repo)), ct);

        Assert.That(login.Code, Is.EqualTo(400), login.ToString());
        Assert.That(login.Errors, Is.EqualTo(new[] { message }));
    }

    [Test]
    public async Task Login_HandMadeFailures_AreCheckedWithVaultsMessages(CancellationToken ct)
    {
        var mount = await WithRoleAsync(ct);
        var subjectRole = CiRole();
        subjectRole["bound_subject"] = "repo:arcodange/other:ref:refs/heads/main";
        await Http.PostAsync($"auth/{mount}/role/subject", subjectRole, Root, ct);
        var claimsOnly = CiRole();
        claimsOnly.Remove("bound_audiences");
        await Http.PostAsync($"auth/{mount}/role/claims-only", claimsOnly, Root, ct);
        var otherUserClaim = CiRole();
        otherUserClaim["user_claim"] = "email";
        await Http.PostAsync($"auth/{mount}/role/email", otherUserClaim, Root, ct);
        var extraBound = CiRole();
        extraBound["bound_claims"]!["environment"] = "production";
        await Http.PostAsync($"auth/{mount}/role/env", extraBound, Root, ct);

        var noTimes = GoodClaims();
        noTimes.Remove("iat");
        noTimes.Remove("exp");
        var futureIat = GoodClaims();
        futureIat["iat"] = TestSigner.Now(600);
        var withinSkew = GoodClaims();
        withinSkew["exp"] = TestSigner.Now(-30);

        var cases = new (string Role, string Jwt, string Message)[]
        {
            ("ci", "not-a-jwt", "error validating token: error verifying token signature: "),
            ("ci", _signer.Sign(GoodClaims(), "RS384"), "error validating token: invalid algorithm (alg) header parameter: token signed with unexpected algorithm"),
            ("subject", _signer.Sign(GoodClaims()), "error validating token: invalid subject (sub) claim"),
            ("ci", _signer.Sign(futureIat), "error validating token: invalid issued at (iat) claim: token issued in the future"),
            ("ci", _signer.Sign(noTimes), "error validating token: no issued at (iat), not before (nbf), or expiration time (exp) claims in token"),
            ("claims-only", _signer.Sign(GoodClaims()), "audience claim found in JWT but no audiences bound to the role"),
            ("email", _signer.Sign(GoodClaims()), "claim \"email\" not found in token"),
            ("env", _signer.Sign(GoodClaims()), "error validating claims: claim \"environment\" is missing"),
        };

        foreach (var (role, jwt, message) in cases)
        {
            var login = await LoginAsync(mount, jwt, ct, role);
            Assert.That(login.Code, Is.EqualTo(400), $"{role}: {login}");
            Assert.That(login.Errors.Single(), message.EndsWith(": ", StringComparison.Ordinal) ? Does.StartWith(message) : Is.EqualTo(message), role);
        }

        var skewed = await LoginAsync(mount, _signer.Sign(withinSkew), ct);
        Assert.That(skewed.Code, Is.EqualTo(200), "a token 30 s past exp is inside the 60 s clock-skew leeway: " + skewed);
    }

    [Test]
    public async Task Login_RoleAndConfigProblems_ComeFirstInVaultsOrder(CancellationToken ct)
    {
        var bare = await MountJwtAsync(ct);
        var r = await Http.PostAsync($"auth/{bare}/role/ci", CiRole(), Root, ct);
        Assert.That(r.Code, Is.EqualTo(204), r.ToString());
        var mount = await WithRoleAsync(ct);
        var oidc = CiRole();
        oidc["role_type"] = "oidc";
        oidc["allowed_redirect_uris"] = "http://127.0.0.1:8250/oidc/callback";
        Assert.That((await Http.PostAsync($"auth/{mount}/role/web", oidc, Root, ct)).Code, Is.EqualTo(204));
        var jwt = _issuer.MintGiteaToken(new GiteaActionsClaims(Repo));

        var missingRole = await LoginAsync(mount, jwt, ct, role: null);
        var unknownRole = await LoginAsync(mount, jwt, ct, role: "nope");
        var oidcRole = await LoginAsync(mount, jwt, ct, role: "web");
        var missingToken = await LoginAsync(mount, "", ct);
        var noConfig = await LoginAsync(bare, jwt, ct);

        Assert.Multiple(() =>
        {
            Assert.That(missingRole.Errors, Is.EqualTo(new[] { "missing role" }));
            Assert.That(unknownRole.Errors, Is.EqualTo(new[] { "role \"nope\" could not be found" }));
            Assert.That(oidcRole.Errors, Is.EqualTo(new[] { "role with oidc role_type is not allowed" }));
            Assert.That(missingToken.Errors, Is.EqualTo(new[] { "missing token" }));
            Assert.That(noConfig.Errors, Is.EqualTo(new[] { "could not load configuration" }));
            Assert.That(new[] { missingRole, unknownRole, oidcRole, missingToken, noConfig }.Select(x => x.Code), Is.All.EqualTo(400));
        });
    }

    [Test]
    public async Task Login_WithDefaultRole_NeedsNoRoleField(CancellationToken ct)
    {
        var config = IssuerConfig();
        config["default_role"] = "ci";
        var mount = await WithRoleAsync(ct, config: config);

        var login = await LoginAsync(mount, _issuer.MintGiteaToken(new GiteaActionsClaims(Repo)), ct, role: null);

        Assert.That(login.Code, Is.EqualTo(200), login.ToString());
    }

    [Test]
    public async Task Login_WithGlobBoundClaims_MatchesPatterns(CancellationToken ct)
    {
        var role = CiRole();
        role["bound_claims_type"] = "glob";
        role["bound_claims"] = new JsonObject { ["repository"] = "arcodange/*", ["ref"] = "refs/heads/*" };
        var mount = await WithRoleAsync(ct, role);

        var ok = await LoginAsync(mount, _issuer.MintGiteaToken(new GiteaActionsClaims("arcodange/other")), ct);
        var refused = await LoginAsync(mount, _issuer.MintGiteaToken(new GiteaActionsClaims("elsewhere/app")), ct);

        Assert.That(ok.Code, Is.EqualTo(200), ok.ToString());
        Assert.That(refused.Errors, Is.EqualTo(new[] { "error validating claims: claim \"repository\" does not match any associated bound claim values" }));
    }

    [Test]
    public async Task Config_NeedsExactlyOneKeySource(CancellationToken ct)
    {
        var mount = await MountJwtAsync(ct);
        var none = await Http.PostAsync($"auth/{mount}/config", new JsonObject { ["bound_issuer"] = "x" }, Root, ct);
        var both = await Http.PostAsync($"auth/{mount}/config", new JsonObject { ["jwt_validation_pubkeys"] = new JsonArray(_issuer.PublicKeyPem), ["jwks_url"] = "http://127.0.0.1:1/jwks" }, Root, ct);
        var badPem = await Http.PostAsync($"auth/{mount}/config", new JsonObject { ["jwt_validation_pubkeys"] = new JsonArray("not a pem") }, Root, ct);

        Assert.Multiple(() =>
        {
            Assert.That(none.Code, Is.EqualTo(400));
            Assert.That(none.Errors.Single(), Does.StartWith("exactly one of"));
            Assert.That(both.Code, Is.EqualTo(400));
            Assert.That(both.Errors.Single(), Does.StartWith("exactly one of"));
            Assert.That(badPem.Code, Is.EqualTo(400));
        });
    }

    [Test]
    public async Task Config_ReadReturnsWhatWasWritten_WithRs256OnlyByDefault(CancellationToken ct)
    {
        var mount = await MountJwtAsync(ct, IssuerConfig());

        var read = await Http.GetAsync($"auth/{mount}/config", Root, ct);
        var rs384 = await WithRoleAsync(ct);
        var login = await LoginAsync(rs384, _signer.Sign(GoodClaims(), "PS256"), ct);

        Assert.That(read.Code, Is.EqualTo(200), read.ToString());
        Assert.Multiple(() =>
        {
            Assert.That(read.Data!["bound_issuer"]!.GetValue<string>(), Is.EqualTo(_issuer.Issuer));
            Assert.That(read.Data["jwt_validation_pubkeys"]!.AsArray(), Has.Count.EqualTo(1));
            Assert.That(read.Data["jwt_supported_algs"]!.AsArray(), Is.Empty);
            Assert.That(login.Errors, Is.EqualTo(new[] { "error validating token: invalid algorithm (alg) header parameter: token signed with unexpected algorithm" }));
        });
    }

    [Test]
    public async Task Config_WithSupportedAlgs_AcceptsThem(CancellationToken ct)
    {
        var config = IssuerConfig(_signer.PublicKeyPem);
        config["jwt_supported_algs"] = new JsonArray("RS256", "PS256");
        var mount = await WithRoleAsync(ct, config: config);

        var login = await LoginAsync(mount, _signer.Sign(GoodClaims(), "PS256"), ct);

        Assert.That(login.Code, Is.EqualTo(200), login.ToString());
    }

    [Test]
    public async Task Config_WithJwksUrl_FetchesKeysOverHttp_AndLoginUsesThem(CancellationToken ct)
    {
        await using var jwks = new FakeHttpServer(_ => (200, _issuer.JwksJson));
        var mount = await MountJwtAsync(ct, new JsonObject { ["jwks_url"] = jwks.BaseUrl + "/jwks", ["bound_issuer"] = _issuer.Issuer });
        var r = await Http.PostAsync($"auth/{mount}/role/ci", CiRole(), Root, ct);
        Assert.That(r.Code, Is.EqualTo(204), r.ToString());

        var good = await LoginAsync(mount, _issuer.MintGiteaToken(new GiteaActionsClaims(Repo)), ct);
        var wrongKey = await LoginAsync(mount, _issuer.MintBadToken(BadTokenKind.WrongKey, new GiteaActionsClaims(Repo)), ct);

        Assert.Multiple(() =>
        {
            Assert.That(jwks.Requests.Select(q => q.Path), Has.All.EqualTo("/jwks"));
            Assert.That(jwks.Requests, Has.Count.GreaterThanOrEqualTo(2), "fetched at config write and again at login");
            Assert.That(good.Code, Is.EqualTo(200), good.ToString());
            Assert.That(wrongKey.Code, Is.EqualTo(400));
        });
    }

    [Test]
    public async Task Config_WithJwksUrlToADenylistedHost_Is400WithTheGuardsReason(CancellationToken ct)
    {
        DoubleOnly("the production guard is the Sandbox double's, not Vault's");
        var mount = await MountJwtAsync(ct);

        var write = await Http.PostAsync($"auth/{mount}/config", new JsonObject { ["jwks_url"] = "https://gitea.arcodange.lab/api/v1/jwks" }, Root, ct);

        Assert.That(write.Code, Is.EqualTo(400), write.ToString());
        Assert.That(write.Errors.Single(), Does.Contain("production guard refused").And.Contain("gitea.arcodange.lab"));
    }

    [Test]
    public async Task Role_Errors_AndReadShape(CancellationToken ct)
    {
        var mount = await MountJwtAsync(ct, IssuerConfig());
        var noUserClaim = CiRole();
        noUserClaim.Remove("user_claim");
        var noBound = new JsonObject { ["role_type"] = "jwt", ["user_claim"] = "sub" };
        var oidcDefault = new JsonObject { ["user_claim"] = "sub", ["bound_audiences"] = "vault" };

        var a = await Http.PostAsync($"auth/{mount}/role/a", noUserClaim, Root, ct);
        var b = await Http.PostAsync($"auth/{mount}/role/b", noBound, Root, ct);
        var c = await Http.PostAsync($"auth/{mount}/role/c", oidcDefault, Root, ct);
        var ok = await Http.PostAsync($"auth/{mount}/role/ci", CiRole(), Root, ct);
        var read = await Http.GetAsync($"auth/{mount}/role/ci", Root, ct);

        Assert.Multiple(() =>
        {
            Assert.That(a.Errors, Is.EqualTo(new[] { "a user claim must be defined on the role" }));
            Assert.That(b.Errors, Is.EqualTo(new[] { "must have at least one bound constraint when creating/updating a role" }));
            Assert.That(c.Errors, Is.EqualTo(new[] { "'allowed_redirect_uris' must be set if 'role_type' is 'oidc' or unspecified." }));
            Assert.That(ok.Code, Is.EqualTo(204));
            Assert.That(read.Data!["role_type"]!.GetValue<string>(), Is.EqualTo("jwt"));
            Assert.That(read.Data["bound_audiences"]!.AsArray().Select(x => x!.GetValue<string>()), Is.EqualTo(new[] { "vault" }));
            Assert.That(read.Data["token_policies"]!.AsArray().Select(x => x!.GetValue<string>()), Is.EqualTo(new[] { "ci-deploy", "ci-read" }));
            Assert.That(read.Data["token_ttl"]!.GetValue<long>(), Is.EqualTo(1200));
            Assert.That(read.Data["clock_skew_leeway"]!.GetValue<long>(), Is.EqualTo(60));
            Assert.That(read.Data["bound_claims_type"]!.GetValue<string>(), Is.EqualTo("string"));
        });
    }
}
