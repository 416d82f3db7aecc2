using System.Text.Json.Nodes;
using Sandbox.VaultDouble.Tests.Engines;
using Sandbox.VaultDouble.Tests.Infrastructure;

namespace Sandbox.VaultDouble.Tests.Conformance;

/// <summary>§12 through HTTP: the server POSTs a TokenReview to a fake API server on loopback.</summary>
[TestFixture, CancelAfter(60_000)]
public sealed class KubernetesAuthTests : ConformanceFixture
{
    private const string Uid = "0b7c7c53-aaaa-4bbb-8ccc-dddddddddddd";

    private static string SaJwt(string ns = "app", string name = "app") => TestJwt.Sign(TestKeys.Rsa, new JsonObject
    {
        ["iss"] = "https://kubernetes.default.svc.cluster.local",
        ["aud"] = new JsonArray("vault"),
        ["iat"] = TestJwt.Now(-5),
        ["exp"] = TestJwt.Now(600),
        ["kubernetes.io"] = new JsonObject { ["namespace"] = ns, ["serviceaccount"] = new JsonObject { ["name"] = name, ["uid"] = Uid } },
    });

    private async Task<(string Mount, string Policy)> SetUpAsync(FakeTokenReviewServer api, CancellationToken ct)
    {
        var mount = Unique("k8s");
        var enable = await Http.PostAsync("sys/auth/" + mount, new JsonObject { ["type"] = "kubernetes" }, Root, ct);
        Assert.That(enable.Code, Is.EqualTo(204), enable.ToString());
        var config = await Http.PostAsync($"auth/{mount}/config", new JsonObject
        {
            ["kubernetes_host"] = api.Url,
            ["kubernetes_ca_cert"] = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----",
            ["token_reviewer_jwt"] = "reviewer-jwt",
        }, Root, ct);
        Assert.That(config.Code, Is.EqualTo(204), config.ToString());
        var policy = await PolicyAsync("path \"secret/data/app/*\" { capabilities = [\"read\"] }", ct);
        var role = await Http.PostAsync($"auth/{mount}/role/app", new JsonObject
        {
            ["bound_service_account_names"] = "app",
            ["bound_service_account_namespaces"] = "app",
            ["token_policies"] = policy,
            ["token_ttl"] = "1h",
        }, Root, ct);
        Assert.That(role.Code, Is.EqualTo(204), role.ToString());
        return (mount, policy);
    }

    [Test]
    public async Task Login_ReviewedByTheApiServer_ReturnsATokenWithRolePolicies(CancellationToken ct)
    {
        await using var api = new FakeTokenReviewServer { Respond = _ => (201, FakeTokenReviewServer.Authenticated("app", "app", Uid, "vault")) };
        var (mount, policy) = await SetUpAsync(api, ct);

        var login = await Http.PostAsync($"auth/{mount}/login", new JsonObject { ["role"] = "app", ["jwt"] = SaJwt() }, null, ct);

        Assert.That(login.Code, Is.EqualTo(200), login.ToString());
        var auth = login.Json!["auth"]!;
        Assert.That(auth["policies"]!.AsArray().Select(p => p!.GetValue<string>()), Is.EquivalentTo(new[] { "default", policy }));
        Assert.That(auth["metadata"]!["service_account_namespace"]!.GetValue<string>(), Is.EqualTo("app"));
        Assert.That(auth["metadata"]!["service_account_uid"]!.GetValue<string>(), Is.EqualTo(Uid));
        Assert.That(auth["lease_duration"]!.GetValue<long>(), Is.EqualTo(3600));
        var self = await Http.GetAsync("auth/token/lookup-self", auth["client_token"]!.GetValue<string>(), ct);
        Assert.That(self.Data!["display_name"]!.GetValue<string>(), Is.EqualTo($"{mount}-app-app"));

        Assert.That(api.Requests, Has.Count.EqualTo(1));
        api.Requests.TryPeek(out var review);
        Assert.That(review!.Authorization, Is.EqualTo("Bearer reviewer-jwt"));
        Assert.That(review.Path, Is.EqualTo("/apis/authentication.k8s.io/v1/tokenreviews"));
    }

    [Test]
    public async Task Login_RejectedByTheApiServer_Is403PermissionDenied(CancellationToken ct)
    {
        await using var api = new FakeTokenReviewServer
        {
            Respond = _ => (201, new JsonObject { ["status"] = new JsonObject { ["authenticated"] = false, ["error"] = "token has been invalidated" } }),
        };
        var (mount, _) = await SetUpAsync(api, ct);
        var login = await Http.PostAsync($"auth/{mount}/login", new JsonObject { ["role"] = "app", ["jwt"] = SaJwt() }, null, ct);
        Assert.That(login.Code, Is.EqualTo(403));
        Assert.That(login.Errors, Is.EqualTo(new[] { "permission denied" }));
    }

    [Test]
    public async Task Login_UnboundNamespace_Is403_WithoutAskingTheApiServer(CancellationToken ct)
    {
        await using var api = new FakeTokenReviewServer { Respond = _ => (201, FakeTokenReviewServer.Authenticated("prod", "app", Uid, "vault")) };
        var (mount, _) = await SetUpAsync(api, ct);
        var login = await Http.PostAsync($"auth/{mount}/login", new JsonObject { ["role"] = "app", ["jwt"] = SaJwt(ns: "prod") }, null, ct);
        Assert.That((login.Code, login.Errors.Single()), Is.EqualTo((403, "namespace not authorized")));
        Assert.That(api.Requests, Is.Empty);
    }
}
