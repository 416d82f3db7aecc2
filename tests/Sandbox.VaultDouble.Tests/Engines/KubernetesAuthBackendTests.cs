using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Sandbox.VaultDouble.Backends;
using Sandbox.VaultDouble.Engines.Kubernetes;

namespace Sandbox.VaultDouble.Tests.Engines;

[TestFixture]
public sealed class KubernetesAuthBackendTests
{
    private const string Uid = "8c0c3a7e-1111-4222-8333-944444444444";
    private const string ReviewerJwt = "reviewer.jwt.value";
    private static readonly string FakeCa = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----";

    private static JsonObject SaClaims(string ns = "app", string name = "app", string uid = Uid, string aud = "vault") => new()
    {
        ["iss"] = "https://kubernetes.default.svc.cluster.local",
        ["aud"] = new JsonArray(aud),
        ["sub"] = $"system:serviceaccount:{ns}:{name}",
        ["iat"] = TestJwt.Now(-5),
        ["nbf"] = TestJwt.Now(-5),
        ["exp"] = TestJwt.Now(600),
        ["kubernetes.io"] = new JsonObject
        {
            ["namespace"] = ns,
            ["serviceaccount"] = new JsonObject { ["name"] = name, ["uid"] = uid },
        },
    };

    private static string SaJwt(JsonObject? claims = null, RSA? key = null) => TestJwt.Sign(key ?? TestKeys.Rsa, claims ?? SaClaims());

    private static async Task<(KubernetesAuthBackend, EngineHarness)> SetUpAsync(FakeTokenReviewServer server, CancellationToken ct, JsonObject? config = null, JsonObject? role = null, HttpClient? http = null)
    {
        var h = new EngineHarness();
        var b = new KubernetesAuthBackend(h.Mount("kubernetes/", "kubernetes"), http ?? new HttpClient());
        config ??= new JsonObject { ["token_reviewer_jwt"] = ReviewerJwt };
        config["kubernetes_host"] ??= server.Url;
        config["kubernetes_ca_cert"] ??= FakeCa;
        var c = await b.HandleAsync(h.Request(LogicalOperation.Update, "config", config), ct);
        Assert.That(c.StatusCode, Is.EqualTo(204), string.Join(",", c.Errors));
        role ??= new JsonObject
        {
            ["bound_service_account_names"] = "app",
            ["bound_service_account_namespaces"] = "app",
            ["token_policies"] = "app",
            ["token_ttl"] = "1h",
        };
        var r = await b.HandleAsync(h.Request(LogicalOperation.Create, "role/app", role), ct);
        Assert.That(r.StatusCode, Is.EqualTo(204), string.Join(",", r.Errors));
        return (b, h);
    }

    private static Task<BackendResponse> LoginAsync(KubernetesAuthBackend b, EngineHarness h, string? jwt, string? role = "app", CancellationToken ct = default)
        => b.HandleAsync(h.LoginRequest(role, jwt), ct);

    private static void AssertDenied(BackendResponse r, string message = "permission denied")
    {
        Assert.That(r.StatusCode, Is.EqualTo(403));
        Assert.That(r.Errors, Is.EqualTo(new[] { message }));
    }

    [Test]
    [CancelAfter(15_000)]
    public async Task Login_ReviewedToken_ReturnsAuthData_AndSendsTheTokenReviewShapeVaultSends(CancellationToken ct)
    {
        await using var server = new FakeTokenReviewServer { Respond = _ => (201, FakeTokenReviewServer.Authenticated("app", "app", Uid, "vault")) };
        var (b, h) = await SetUpAsync(server, ct);
        var jwt = SaJwt();

        var r = await LoginAsync(b, h, jwt, ct: ct);

        Assert.That(r.StatusCode, Is.EqualTo(200), string.Join(",", r.Errors));
        Assert.That(r.Auth!.Policies, Is.EqualTo(new[] { "app" }));
        Assert.That(r.Auth.DisplayName, Is.EqualTo("kubernetes-app-app"));
        Assert.That(r.Auth.AliasName, Is.EqualTo(Uid));
        Assert.That(r.Auth.Ttl, Is.EqualTo(TimeSpan.FromHours(1)));
        Assert.That(r.Auth.Metadata, Is.EqualTo(new Dictionary<string, string>
        {
            ["role"] = "app",
            ["service_account_name"] = "app",
            ["service_account_namespace"] = "app",
            ["service_account_uid"] = Uid,
            ["service_account_secret_name"] = string.Empty,
        }));

        Assert.That(server.Requests, Has.Count.EqualTo(1));
        server.Requests.TryPeek(out var req);
        Assert.That(req!.Method, Is.EqualTo("POST"));
        Assert.That(req.Path, Is.EqualTo("/apis/authentication.k8s.io/v1/tokenreviews"));
        Assert.That(req.Authorization, Is.EqualTo("Bearer " + ReviewerJwt));
        Assert.That(req.ContentType, Does.StartWith("application/json"));
        Assert.That(req.Accept, Is.EqualTo("application/json"));
        Assert.That(req.Json["spec"]!["token"]!.GetValue<string>(), Is.EqualTo(jwt));
        Assert.That(req.Json["spec"]!["audiences"]!.AsArray().Select(a => a!.GetValue<string>()), Is.EqualTo(new[] { "vault" }), "no role audience: the JWT's own aud");
        Assert.That(req.Json.ContainsKey("kind"), Is.False);
        Assert.That(req.Json.ContainsKey("apiVersion"), Is.False);
    }

    [Test]
    [CancelAfter(15_000)]
    public async Task Login_WithoutReviewerJwt_UsesTheClientsJwtAsBearer_AndRoleAudienceInTheReview(CancellationToken ct)
    {
        await using var server = new FakeTokenReviewServer { Respond = _ => (201, FakeTokenReviewServer.Authenticated("app", "app", Uid, "vault")) };
        var role = new JsonObject { ["bound_service_account_names"] = "app", ["bound_service_account_namespaces"] = "*", ["audience"] = "vault", ["alias_name_source"] = "serviceaccount_name" };
        var (b, h) = await SetUpAsync(server, ct, config: [], role: role);
        var jwt = SaJwt();
        var r = await LoginAsync(b, h, jwt, ct: ct);
        Assert.That(r.StatusCode, Is.EqualTo(200), string.Join(",", r.Errors));
        Assert.That(r.Auth!.AliasName, Is.EqualTo("app/app"));
        server.Requests.TryPeek(out var req);
        Assert.That(req!.Authorization, Is.EqualTo("Bearer " + jwt));
        Assert.That(req.Json["spec"]!["audiences"]!.AsArray().Select(a => a!.GetValue<string>()), Is.EqualTo(new[] { "vault" }));
    }

    private static IEnumerable<TestCaseData> ReviewFailures()
    {
        yield return new TestCaseData(201, FakeTokenReviewServer.Authenticated("app", "app", Uid, "vault").Also(o => o["status"]!["authenticated"] = false)).SetName("NotAuthenticated");
        yield return new TestCaseData(201, FakeTokenReviewServer.Authenticated("app", "app", Uid, "vault").Also(o => o["status"]!["error"] = "token expired")).SetName("StatusError");
        yield return new TestCaseData(401, new JsonObject { ["kind"] = "Status", ["code"] = 401 }).SetName("Http401");
        yield return new TestCaseData(500, new JsonObject()).SetName("Http500");
        yield return new TestCaseData(201, FakeTokenReviewServer.Authenticated("app", "other", Uid, "vault")).SetName("OtherServiceAccount");
        yield return new TestCaseData(201, FakeTokenReviewServer.Authenticated("other", "app", Uid, "vault")).SetName("OtherNamespace");
        yield return new TestCaseData(201, FakeTokenReviewServer.Authenticated("app", "app", "another-uid", "vault")).SetName("OtherUid");
        yield return new TestCaseData(201, FakeTokenReviewServer.Authenticated("app", "app", Uid, "not-vault")).SetName("AudiencesDoNotIntersect");
        yield return new TestCaseData(201, new JsonObject()).SetName("NoStatus");
    }

    [TestCaseSource(nameof(ReviewFailures))]
    [CancelAfter(15_000)]
    public async Task Login_AnyTokenReviewFailure_Is403PermissionDenied(int status, JsonObject answer, CancellationToken ct)
    {
        await using var server = new FakeTokenReviewServer { Respond = _ => (status, answer) };
        var (b, h) = await SetUpAsync(server, ct);
        AssertDenied(await LoginAsync(b, h, SaJwt(), ct: ct));
        Assert.That(server.Requests, Has.Count.EqualTo(1));
    }

    [Test]
    [CancelAfter(15_000)]
    public async Task Login_ApiServerUnreachable_Is403PermissionDenied(CancellationToken ct)
    {
        FakeTokenReviewServer server = new();
        var url = server.Url;
        await server.DisposeAsync();
        await using var dummy = new FakeTokenReviewServer();
        var (b, h) = await SetUpAsync(dummy, ct, config: new JsonObject { ["kubernetes_host"] = url, ["token_reviewer_jwt"] = ReviewerJwt });
        AssertDenied(await LoginAsync(b, h, SaJwt(), ct: ct));
    }

    [Test]
    [CancelAfter(15_000)]
    public async Task Login_LocalChecks_FailBeforeAnyTokenReview(CancellationToken ct)
    {
        await using var server = new FakeTokenReviewServer { Respond = _ => (201, FakeTokenReviewServer.Authenticated("app", "app", Uid, "vault")) };
        var role = new JsonObject { ["bound_service_account_names"] = "app", ["bound_service_account_namespaces"] = "app-*", ["audience"] = "vault" };
        var (b, h) = await SetUpAsync(server, ct, role: role);

        AssertDenied(await LoginAsync(b, h, SaJwt(SaClaims(name: "intruder", ns: "app-x")), ct: ct), "service account name not authorized");
        AssertDenied(await LoginAsync(b, h, SaJwt(SaClaims(ns: "prod")), ct: ct), "namespace not authorized");
        AssertDenied(await LoginAsync(b, h, SaJwt(SaClaims(ns: "app-x", aud: "other")), ct: ct), "invalid audience (aud) claim: audience claim does not match any expected audience");
        var expired = SaClaims(ns: "app-x");
        expired["exp"] = TestJwt.Now(-600);
        AssertDenied(await LoginAsync(b, h, SaJwt(expired), ct: ct), "invalid expiration time (exp) claim: token is expired");
        AssertDenied(await LoginAsync(b, h, "garbage", ct: ct));
        Assert.That(server.Requests, Is.Empty);
    }

    [Test]
    [CancelAfter(15_000)]
    public async Task Login_WithPemKeys_RejectsATokenSignedByAnotherKey(CancellationToken ct)
    {
        await using var server = new FakeTokenReviewServer { Respond = _ => (201, FakeTokenReviewServer.Authenticated("app", "app", Uid, "vault")) };
        var config = new JsonObject { ["pem_keys"] = new JsonArray(TestKeys.Rsa.ExportSubjectPublicKeyInfoPem()), ["token_reviewer_jwt"] = ReviewerJwt };
        var (b, h) = await SetUpAsync(server, ct, config: config);
        AssertDenied(await LoginAsync(b, h, SaJwt(key: TestKeys.OtherRsa), ct: ct));
        Assert.That((await LoginAsync(b, h, SaJwt(), ct: ct)).StatusCode, Is.EqualTo(200));
    }

    [Test]
    [CancelAfter(15_000)]
    public async Task Login_IssuerValidation_WhenEnabled(CancellationToken ct)
    {
        await using var server = new FakeTokenReviewServer { Respond = _ => (201, FakeTokenReviewServer.Authenticated("app", "app", Uid, "vault")) };
        var config = new JsonObject { ["disable_iss_validation"] = false, ["token_reviewer_jwt"] = ReviewerJwt };
        var (b, h) = await SetUpAsync(server, ct, config: config);
        AssertDenied(await LoginAsync(b, h, SaJwt(), ct: ct), "invalid issuer (iss) claim");
        var legacy = new JsonObject
        {
            ["iss"] = "kubernetes/serviceaccount",
            ["kubernetes.io/serviceaccount/namespace"] = "app",
            ["kubernetes.io/serviceaccount/service-account.name"] = "app",
            ["kubernetes.io/serviceaccount/service-account.uid"] = Uid,
            ["kubernetes.io/serviceaccount/secret.name"] = "app-token-x",
        };
        var ok = await LoginAsync(b, h, SaJwt(legacy), ct: ct);
        Assert.That(ok.StatusCode, Is.EqualTo(200), string.Join(",", ok.Errors));
        Assert.That(ok.Auth!.Metadata["service_account_secret_name"], Is.EqualTo("app-token-x"));
    }

    [Test]
    [CancelAfter(15_000)]
    public async Task Login_RequestErrors(CancellationToken ct)
    {
        await using var server = new FakeTokenReviewServer();
        var (b, h) = await SetUpAsync(server, ct);
        var missingRole = await LoginAsync(b, h, "x", role: null, ct: ct);
        Assert.That((missingRole.StatusCode, missingRole.Errors[0]), Is.EqualTo((400, "missing role")));
        var missingJwt = await LoginAsync(b, h, null, ct: ct);
        Assert.That((missingJwt.StatusCode, missingJwt.Errors[0]), Is.EqualTo((400, "missing jwt")));
        var badRole = await LoginAsync(b, h, "x", role: "nope", ct: ct);
        Assert.That((badRole.StatusCode, badRole.Errors[0]), Is.EqualTo((400, "invalid role name \"nope\"")));
    }

    [Test]
    [CancelAfter(15_000)]
    public async Task ConfigAndRole_Validation(CancellationToken ct)
    {
        var h = new EngineHarness();
        var b = new KubernetesAuthBackend(h.Mount("kubernetes/", "kubernetes"), new HttpClient());
        var noHost = await b.HandleAsync(h.Request(LogicalOperation.Update, "config", []), ct);
        Assert.That(noHost.Errors, Is.EqualTo(new[] { "no host provided" }));
        var noCa = await b.HandleAsync(h.Request(LogicalOperation.Update, "config", new JsonObject { ["kubernetes_host"] = "http://127.0.0.1:1", ["disable_local_ca_jwt"] = true }), ct);
        Assert.That(noCa.Errors, Is.EqualTo(new[] { "kubernetes_ca_cert must be given when disable_local_ca_jwt is true" }));

        var noNames = await b.HandleAsync(h.Request(LogicalOperation.Create, "role/r", new JsonObject { ["bound_service_account_namespaces"] = "a" }), ct);
        Assert.That(noNames.Errors, Is.EqualTo(new[] { "\"bound_service_account_names\" can not be empty" }));
        var mixed = await b.HandleAsync(h.Request(LogicalOperation.Create, "role/r", new JsonObject { ["bound_service_account_names"] = "*,app", ["bound_service_account_namespaces"] = "a" }), ct);
        Assert.That(mixed.Errors, Is.EqualTo(new[] { "can not mix \"*\" with values" }));

        var reader = new JsonObject { ["kubernetes_host"] = "http://127.0.0.1:1", ["kubernetes_ca_cert"] = FakeCa, ["token_reviewer_jwt"] = ReviewerJwt };
        Assert.That((await b.HandleAsync(h.Request(LogicalOperation.Update, "config", reader), ct)).StatusCode, Is.EqualTo(204));
        var read = await b.HandleAsync(h.Request(LogicalOperation.Read, "config"), ct);
        Assert.That(read.Data!.ToJsonString(), Does.Not.Contain(ReviewerJwt));
        Assert.That(read.Data!["disable_iss_validation"]!.GetValue<bool>(), Is.True);
        Assert.That(read.Data!["token_reviewer_jwt_set"]!.GetValue<bool>(), Is.True);
    }
}

internal static class JsonObjectExtensions
{
    public static JsonObject Also(this JsonObject o, Action<JsonObject> change)
    {
        change(o);
        return o;
    }
}
