using System.Text.Json.Nodes;
using Sandbox.VaultDouble.Tests.Engines;
using Sandbox.VaultDouble.Tests.Infrastructure;

namespace Sandbox.VaultDouble.Tests.Conformance;

/// <summary>§11 through HTTP: enable auth/jwt, configure a PEM key, write a jwt role, log in and use the token.</summary>
[TestFixture, CancelAfter(60_000)]
public sealed class JwtAuthTests : ConformanceFixture
{
    private async Task<(string Mount, string Policy)> SetUpAsync(CancellationToken ct)
    {
        var mount = Unique("jwt");
        var enable = await Http.PostAsync("sys/auth/" + mount, new JsonObject { ["type"] = "jwt" }, Root, ct);
        Assert.That(enable.Code, Is.EqualTo(204), enable.ToString());
        var config = await Http.PostAsync($"auth/{mount}/config", new JsonObject
        {
            ["jwt_validation_pubkeys"] = new JsonArray(TestKeys.Rsa.ExportSubjectPublicKeyInfoPem()),
            ["bound_issuer"] = "https://gitea.sandbox",
        }, Root, ct);
        Assert.That(config.Code, Is.EqualTo(204), config.ToString());
        var policy = await PolicyAsync("path \"secret/data/app/*\" { capabilities = [\"read\"] }", ct);
        var role = await Http.PostAsync($"auth/{mount}/role/gitea_cicd_app", new JsonObject
        {
            ["role_type"] = "jwt",
            ["user_claim"] = "actor",
            ["bound_audiences"] = "https://vault.sandbox",
            ["bound_claims"] = new JsonObject { ["repository"] = "arcodange/app" },
            ["claim_mappings"] = new JsonObject { ["repository"] = "repository" },
            ["token_policies"] = policy,
            ["token_ttl"] = "20m",
        }, Root, ct);
        Assert.That(role.Code, Is.EqualTo(204), role.ToString());
        return (mount, policy);
    }

    [Test]
    public async Task Login_WithoutAVaultToken_ReturnsAServiceTokenWithRolePolicies(CancellationToken ct)
    {
        var (mount, policy) = await SetUpAsync(ct);
        var login = await Http.PostAsync($"auth/{mount}/login", new JsonObject { ["role"] = "gitea_cicd_app", ["jwt"] = TestJwt.Sign(TestKeys.Rsa, TestJwt.Claims()) }, null, ct);

        Assert.That(login.Code, Is.EqualTo(200), login.ToString());
        var auth = login.Json!["auth"]!;
        Assert.That(auth["policies"]!.AsArray().Select(p => p!.GetValue<string>()), Is.EquivalentTo(new[] { "default", policy }));
        Assert.That(auth["token_policies"]!.AsArray().Select(p => p!.GetValue<string>()), Is.EquivalentTo(new[] { "default", policy }));
        Assert.That(auth["metadata"]!["role"]!.GetValue<string>(), Is.EqualTo("gitea_cicd_app"));
        Assert.That(auth["metadata"]!["repository"]!.GetValue<string>(), Is.EqualTo("arcodange/app"));
        Assert.That(auth["lease_duration"]!.GetValue<long>(), Is.EqualTo(1200));
        Assert.That(auth["renewable"]!.GetValue<bool>(), Is.True);
        Assert.That(auth["entity_id"]!.GetValue<string>(), Is.Not.Empty);
        Assert.That(login.Json!["data"], Is.Null);

        var token = auth["client_token"]!.GetValue<string>();
        var self = await Http.GetAsync("auth/token/lookup-self", token, ct);
        Assert.That(self.Code, Is.EqualTo(200), self.ToString());
        Assert.That(self.Data!["display_name"]!.GetValue<string>(), Is.EqualTo($"{mount}-alice"));
        Assert.That(self.Data!["path"]!.GetValue<string>(), Is.EqualTo($"auth/{mount}/login"));
    }

    [Test]
    public async Task Login_ExpiredToken_Is400WithCapsMessage(CancellationToken ct)
    {
        var (mount, _) = await SetUpAsync(ct);
        var claims = TestJwt.Claims();
        claims["exp"] = TestJwt.Now(-180);
        var login = await Http.PostAsync($"auth/{mount}/login", new JsonObject { ["role"] = "gitea_cicd_app", ["jwt"] = TestJwt.Sign(TestKeys.Rsa, claims) }, null, ct);
        Assert.That(login.Code, Is.EqualTo(400));
        Assert.That(login.Errors, Is.EqualTo(new[] { "error validating token: invalid expiration time (exp) claim: token is expired" }));
    }

    [Test]
    public async Task Login_WrongBoundClaim_AndUnknownRole_AreRefused(CancellationToken ct)
    {
        var (mount, _) = await SetUpAsync(ct);
        var claims = TestJwt.Claims();
        claims["repository"] = "arcodange/other";
        var wrong = await Http.PostAsync($"auth/{mount}/login", new JsonObject { ["role"] = "gitea_cicd_app", ["jwt"] = TestJwt.Sign(TestKeys.Rsa, claims) }, null, ct);
        Assert.That((wrong.Code, wrong.Errors.Single()), Is.EqualTo((400, "error validating claims: claim \"repository\" does not match any associated bound claim values")));
        var unknown = await Http.PostAsync($"auth/{mount}/login", new JsonObject { ["role"] = "nope", ["jwt"] = "x" }, null, ct);
        Assert.That((unknown.Code, unknown.Errors.Single()), Is.EqualTo((400, "role \"nope\" could not be found")));
    }

    [Test]
    public async Task Config_WithoutAToken_IsPermissionDenied(CancellationToken ct)
    {
        var (mount, _) = await SetUpAsync(ct);
        var r = await Http.PostAsync($"auth/{mount}/config", new JsonObject { ["bound_issuer"] = "x" }, null, ct);
        Assert.That(r.Code, Is.EqualTo(403));
    }
}
