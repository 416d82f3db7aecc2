using System.Text;
using System.Text.Json.Nodes;
using Sandbox.VaultDouble.Tests.Infrastructure;

namespace Sandbox.VaultDouble.Tests.Conformance;

/// <summary>§13 bad input. Portable except the request-size test, which configures its own server.</summary>
[TestFixture, CancelAfter(60_000)]
public sealed class BadInputTests : ConformanceFixture
{
    [Test]
    public async Task MalformedJson_Is400WithParseError(CancellationToken ct)
    {
        var r = await Http.SendAsync("POST", "sys/policies/acl/x", "{not json", Root, ct);
        Assert.That(r.Code, Is.EqualTo(400));
        Assert.That(r.Errors.Single(), Does.Contain("JSON input"));
    }

    [Test]
    public async Task JsonArrayBody_Is400(CancellationToken ct)
    {
        var r = await Http.SendAsync("POST", "auth/token/create", "[1,2]", Root, ct);
        Assert.That(r.Code, Is.EqualTo(400));
    }

    [TestCase("OPTIONS")]
    [TestCase("TRACE")]
    [TestCase("FOO")]
    public async Task UnsupportedMethod_Is405(string method, CancellationToken ct)
    {
        var r = await Http.SendAsync(method, "sys/mounts", null, Root, ct);
        Assert.That(r.Code, Is.EqualTo(405));
    }

    [Test]
    public async Task SysHandler_WrongMethod_Is405(CancellationToken ct)
    {
        var r = await Http.DeleteAsync("sys/mounts", Root, ct);
        Assert.That(r.Code, Is.EqualTo(405));
    }

    [Test]
    public async Task UnknownFields_AreIgnoredWithWarning(CancellationToken ct)
    {
        var r = await Http.PostAsync("auth/token/create", new JsonObject { ["policies"] = new JsonArray("default"), ["bogus"] = 1, ["alpha"] = "x" }, Root, ct);
        Assert.That(r.Code, Is.EqualTo(200));
        Assert.That(r.Warnings, Has.Some.EqualTo("Endpoint ignored these unrecognized parameters: [alpha bogus]"));
    }

    [Test]
    public async Task UnknownFields_OnSysMount_WarnAndAnswer200(CancellationToken ct)
    {
        var r = await Http.PostAsync("sys/mounts/" + Unique("kv"), new JsonObject { ["type"] = "kv", ["colour"] = "blue" }, Root, ct);
        Assert.That(r.Code, Is.EqualTo(200), r.ToString());
        Assert.That(r.Warnings, Is.EqualTo(new[] { "Endpoint ignored these unrecognized parameters: [colour]" }));
    }

    [Test]
    public async Task ListVerb_AndListQuery_AreTheSame(CancellationToken ct)
    {
        var verb = await Http.ListAsync("sys/policies/acl", Root, ct);
        var query = await Http.GetAsync("sys/policies/acl?list=true", Root, ct);
        Assert.That(verb.Code, Is.EqualTo(200));
        Assert.That(query.Data!["keys"]!.ToJsonString(), Is.EqualTo(verb.Data!["keys"]!.ToJsonString()));
    }

    [Test]
    public async Task KvV2_UnknownSubpath_IsUnsupportedPathOrWarning(CancellationToken ct)
    {
        var kv = await MountAsync("kv-v2", ct);
        var r = await Http.GetAsync($"{kv}/nonsense/x", Root, ct);
        Assert.That(r.Code, Is.EqualTo(404));
    }

    [Test]
    public async Task OversizedBody_Is413_AndServerKeepsServing(CancellationToken ct)
    {
        DoubleOnly("configures its own small max_request_size");
        await using var process = await DoubleProcess.StartAsync(ct, extraListener: "max_request_size = 1024");
        using var http = new VaultHttp(process.Address);
        var big = "{\"data\":\"" + new string('a', 4096) + "\"}";
        var r = await http.SendAsync("PUT", "sys/init", big, null, ct);
        using var chunked = new HttpRequestMessage(HttpMethod.Put, "/v1/sys/init") { Content = new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes(big))) };
        chunked.Headers.TransferEncodingChunked = true;
        var r2 = await http.SendAsync(chunked, ct);
        var health = await http.GetAsync("sys/health", null, ct);
        Assert.Multiple(() =>
        {
            Assert.That(r.Code, Is.EqualTo(413));
            Assert.That(r.Errors.Single(), Does.Contain("http: request body too large"));
            Assert.That(r2.Code, Is.EqualTo(413));
            Assert.That(health.Code, Is.EqualTo(501));
        });
    }

    [Test]
    public async Task DefaultLimit_Is32MiB(CancellationToken ct)
    {
        DoubleOnly("sends a 33 MiB body to its own server");
        var body = new byte[33 * 1024 * 1024];
        using var request = new HttpRequestMessage(HttpMethod.Put, "/v1/sys/policies/acl/x") { Content = new ByteArrayContent(body) };
        request.Headers.Add("X-Vault-Token", Root);
        var r = await Http.SendAsync(request, ct);
        Assert.That(r.Code, Is.EqualTo(413));
    }

    [Test]
    public async Task NameOutsideVaultsNamePattern_MatchesNoRoute_AndNeverAnswers500(CancellationToken ct)
    {
        var db = await MountAsync("database", ct);
        var jwt = Unique("jwt");
        var k8s = Unique("k8s");
        Assert.That((await Http.PostAsync("sys/auth/" + jwt, new JsonObject { ["type"] = "jwt" }, Root, ct)).Code, Is.EqualTo(204));
        Assert.That((await Http.PostAsync("sys/auth/" + k8s, new JsonObject { ["type"] = "kubernetes" }, Root, ct)).Code, Is.EqualTo(204));
        var role = new JsonObject { ["db_name"] = "a\\b", ["creation_statements"] = "SELECT 1", ["role_type"] = "jwt", ["user_claim"] = "sub", ["bound_audiences"] = "x" };

        var paths = new[] { $"{db}/roles/a%5Cb", $"{db}/config/a%5Cb", $"auth/{jwt}/role/a%5Cb", $"auth/{k8s}/role/a%5Cb" };
        var writes = new List<VaultResponse>();
        foreach (var path in paths)
        {
            writes.Add(await Http.PostAsync(path, role.DeepClone(), Root, ct));
        }

        var jwtLogin = await Http.PostAsync($"auth/{jwt}/login", new JsonObject { ["role"] = "a\\b", ["jwt"] = "x.y.z" }, null, ct);
        var k8sLogin = await Http.PostAsync($"auth/{k8s}/login", new JsonObject { ["role"] = "a\\b", ["jwt"] = "x.y.z" }, null, ct);
        Assert.Multiple(() =>
        {
            foreach (var (path, w) in paths.Zip(writes))
            {
                Assert.That(w.Code, Is.EqualTo(404), path + ": " + w);
                Assert.That(w.Errors.Single(), Does.Contain("unsupported path"), path);
            }

            Assert.That(jwtLogin.Code, Is.EqualTo(400), jwtLogin.ToString());
            Assert.That(k8sLogin.Code, Is.EqualTo(400), k8sLogin.ToString());
        });
    }
}
