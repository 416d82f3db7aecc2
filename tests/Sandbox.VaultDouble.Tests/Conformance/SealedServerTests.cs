using System.Net;
using System.Text.Json.Nodes;
using Sandbox.VaultDouble.Tests.Infrastructure;

namespace Sandbox.VaultDouble.Tests.Conformance;

/// <summary>§1.1–1.3, §1.6, §2: an uninitialized, then initialized-but-sealed server. Double only (it needs a fresh server).</summary>
[TestFixture, Category("DoubleOnly"), CancelAfter(60_000)]
public sealed class SealedServerTests
{
    private DoubleProcess _process = null!;
    private VaultHttp _http = null!;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        if (VaultTarget.UsesRealVault)
        {
            Assert.Ignore("double only: needs an uninitialized server");
        }

        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        (_process, _http) = await Fresh.StartAsync(cts.Token);
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        _http?.Dispose();
        if (_process is not null)
        {
            await _process.DisposeAsync();
        }
    }

    [Test, Order(1)]
    public async Task Uninitialized_HealthIs501_SealStatusShowsZeros(CancellationToken ct)
    {
        var health = await _http.GetAsync("sys/health", null, ct);
        var status = await _http.GetAsync("sys/seal-status", null, ct);
        var init = await _http.GetAsync("sys/init", null, ct);
        Assert.Multiple(() =>
        {
            Assert.That(health.Code, Is.EqualTo(501));
            Assert.That(health.Json!["initialized"]!.GetValue<bool>(), Is.False);
            Assert.That(health.Json!["version"]!.GetValue<string>(), Is.EqualTo("0.1.0+sandbox-double"));
            Assert.That(health.Json!["cluster_name"], Is.Null);
            Assert.That(status.Code, Is.EqualTo(200));
            Assert.That(status.Json!["type"]!.GetValue<string>(), Is.EqualTo("shamir"));
            Assert.That(status.Json!["sealed"]!.GetValue<bool>(), Is.True);
            Assert.That(status.Json!["t"]!.GetValue<int>(), Is.Zero);
            Assert.That(status.Json!["n"]!.GetValue<int>(), Is.Zero);
            Assert.That(status.Json!["storage_type"]!.GetValue<string>(), Is.EqualTo("file"));
            Assert.That(init.Text, Is.EqualTo("""{"initialized":false}"""));
        });
    }

    [Test, Order(2)]
    public async Task Uninitialized_UninitcodeOverridesStatus(CancellationToken ct)
        => Assert.That((await _http.GetAsync("sys/health?uninitcode=299", null, ct)).Code, Is.EqualTo(299));

    [TestCase("sys/mounts")]
    [TestCase("auth/token/lookup-self")]
    [TestCase("secret/data/foo")]
    [TestCase("sys/policies/acl")]
    [Order(3)]
    public async Task Uninitialized_EveryOtherPath_Is503VaultIsSealed(string path, CancellationToken ct)
    {
        var r = await _http.GetAsync(path, "hvs.whatever", ct);
        Assert.That(r.Code, Is.EqualTo(503));
        Assert.That(r.Text, Is.EqualTo("""{"errors":["Vault is sealed"]}"""));
    }

    [TestCase("/")]
    [TestCase("/v2/sys/health")]
    [TestCase("/nothing")]
    [Order(3)]
    public async Task PathOutsideV1_Is404WithEmptyErrors(string path, CancellationToken ct)
    {
        var r = await _http.SendAsync("GET", path, null, null, ct);
        Assert.That(r.Code, Is.EqualTo(404));
        Assert.That(r.Text, Is.EqualTo("""{"errors":[]}"""));
    }

    [TestCase("{}", "invalid seal configuration: shares must be at least one")]
    [TestCase("""{"secret_shares":0,"secret_threshold":1}""", "invalid seal configuration: shares must be at least one")]
    [TestCase("""{"secret_shares":1,"secret_threshold":0}""", "invalid seal configuration: threshold must be at least one")]
    [TestCase("""{"secret_shares":3,"secret_threshold":1}""", "invalid seal configuration: threshold must be greater than one for multiple shares")]
    [TestCase("""{"secret_shares":256,"secret_threshold":2}""", "invalid seal configuration: shares must be less than 256")]
    [TestCase("""{"secret_shares":3,"secret_threshold":4}""", "invalid seal configuration: threshold cannot be larger than shares")]
    [TestCase("""{"secret_shares":2,"secret_threshold":2,"pgp_keys":["a"]}""", "invalid seal configuration: count mismatch between number of provided PGP keys and number of shares")]
    [TestCase("""{"secret_shares":1,"secret_threshold":1,"recovery_shares":1,"recovery_threshold":1}""", "parameters recovery_shares,recovery_threshold not applicable to seal type shamir")]
    [Order(4)]
    public async Task Init_InvalidConfig_Is400WithVaultMessage(string body, string message, CancellationToken ct)
    {
        var r = await _http.SendAsync("PUT", "sys/init", body, null, ct);
        Assert.That(r.Code, Is.EqualTo(400));
        Assert.That(r.Errors, Is.EqualTo(new[] { message }));
    }

    [Test, Order(5)]
    public async Task Init_WrongMethod_Is405(CancellationToken ct)
    {
        var r = await _http.DeleteAsync("sys/init", null, ct);
        Assert.That(r.Code, Is.EqualTo(405));
        Assert.That(r.Text, Is.EqualTo("""{"errors":[]}"""));
    }

    [Test, Order(6)]
    public async Task Init_ReturnsSharesAndRootToken_AndLeavesServerSealed(CancellationToken ct)
    {
        var init = await Fresh.InitAsync(_http, 5, 3, ct);
        var keys = init["keys"]!.AsArray().Select(k => k!.GetValue<string>()).ToList();
        var b64 = init["keys_base64"]!.AsArray().Select(k => k!.GetValue<string>()).ToList();
        var status = await _http.GetAsync("sys/seal-status", null, ct);
        Assert.Multiple(() =>
        {
            Assert.That(keys, Has.Count.EqualTo(5));
            Assert.That(keys, Has.All.Length.EqualTo(66));
            Assert.That(keys, Is.Unique);
            Assert.That(b64.Select(b => Convert.ToHexStringLower(Convert.FromBase64String(b))), Is.EqualTo(keys));
            Assert.That(init["root_token"]!.GetValue<string>(), Does.Match("^hvs\\.[0-9A-Za-z]{24}$"));
            Assert.That(status.Json!["sealed"]!.GetValue<bool>(), Is.True);
            Assert.That(status.Json!["initialized"]!.GetValue<bool>(), Is.True);
            Assert.That(status.Json!["t"]!.GetValue<int>(), Is.EqualTo(3));
            Assert.That(status.Json!["n"]!.GetValue<int>(), Is.EqualTo(5));
        });
    }

    [Test, Order(7)]
    public async Task Initialized_Init_ValidatesConfigBeforeAlreadyInitialized(CancellationToken ct)
    {
        var bad = await _http.SendAsync("PUT", "sys/init", "{}", null, ct);
        var good = await _http.SendAsync("PUT", "sys/init", """{"secret_shares":1,"secret_threshold":1}""", null, ct);
        Assert.That(bad.Errors, Is.EqualTo(new[] { "invalid seal configuration: shares must be at least one" }));
        Assert.That(good.Code, Is.EqualTo(400));
        Assert.That(good.Errors, Is.EqualTo(new[] { "Vault is already initialized" }));
    }

    [Test, Order(8)]
    public async Task Sealed_HealthIs503_AndSealedcodeOverrides(CancellationToken ct)
    {
        var plain = await _http.GetAsync("sys/health", null, ct);
        var over = await _http.GetAsync("sys/health?sealedcode=200", null, ct);
        using var head = new HttpRequestMessage(HttpMethod.Head, "/v1/sys/health");
        var headResponse = await _http.SendAsync(head, ct);
        Assert.Multiple(() =>
        {
            Assert.That(plain.Code, Is.EqualTo(503));
            Assert.That(plain.Json!["sealed"]!.GetValue<bool>(), Is.True);
            Assert.That(over.Code, Is.EqualTo(200));
            Assert.That(headResponse.Status, Is.EqualTo(HttpStatusCode.ServiceUnavailable));
            Assert.That(headResponse.Text, Is.Empty);
        });
    }

    [TestCase("sealedcode=abc")]
    [TestCase("standbyok=maybe")]
    [TestCase("activecode=")]
    [Order(9)]
    public async Task Health_BadQueryParameter_Is400EmptyErrors(string query, CancellationToken ct)
    {
        var r = await _http.GetAsync("sys/health?" + query, null, ct);
        if (query == "activecode=")
        {
            Assert.That(r.Code, Is.EqualTo(503), "an empty value means the default");
            return;
        }

        Assert.That(r.Code, Is.EqualTo(400));
        Assert.That(r.Text, Is.EqualTo("""{"errors":[]}"""));
    }

    [Test, Order(10)]
    public async Task Sealed_Leader_AnswersHaDisabledWithVaultFields(CancellationToken ct)
    {
        var r = await _http.GetAsync("sys/leader", null, ct);
        Assert.That(r.Code, Is.EqualTo(200));
        Assert.That(r.Json!["ha_enabled"]!.GetValue<bool>(), Is.False);
        Assert.That(r.Json!["active_time"]!.GetValue<string>(), Is.EqualTo("0001-01-01T00:00:00Z"));
    }

    [Test, Order(11)]
    public async Task Sealed_SealIs204WithoutToken(CancellationToken ct)
        => Assert.That((await _http.PutAsync("sys/seal", null, null, ct)).Code, Is.EqualTo(204));

    [Test, Order(12)]
    public async Task Sealed_StepDown_Is204_AndGetIs405(CancellationToken ct)
    {
        var put = await _http.PutAsync("sys/step-down", null, null, ct);
        var get = await _http.GetAsync("sys/step-down", null, ct);
        Assert.That(put.Code, Is.EqualTo(204));
        Assert.That(get.Code, Is.EqualTo(405));
    }

    [TestCase("PUT", "sys/generate-root/attempt", "sys/generate-root")]
    [TestCase("GET", "sys/generate-root/attempt", "sys/generate-root")]
    [TestCase("PUT", "sys/rekey/init", "sys/rekey")]
    [TestCase("PUT", "sys/rekey/update", "sys/rekey")]
    [Order(12)]
    public async Task Sealed_GenerateRootAndRekey_AreExemptFromSealedButRefusedAsUnsupported(string method, string path, string feature, CancellationToken ct)
    {
        var r = await _http.SendAsync(method, path, method == "GET" ? null : new JsonObject(), null, ct);
        Assert.That(r.Code, Is.EqualTo(400));
        Assert.That(r.Errors, Is.EqualTo(new[] { feature + " is not supported by the Sandbox Vault double" }));
    }
}
