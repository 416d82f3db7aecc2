using System.Text.Json.Nodes;
using Sandbox.VaultDouble.Tests.Infrastructure;

namespace Sandbox.VaultDouble.Tests.Conformance;

/// <summary>§1.4 unseal and §1.5 seal on a 3-of-5 server. Double only: it initializes its own server.</summary>
[TestFixture, Category("DoubleOnly"), CancelAfter(60_000)]
public sealed class UnsealTests
{
    private DoubleProcess _process = null!;
    private VaultHttp _http = null!;
    private List<string> _hex = [];
    private List<string> _b64 = [];
    private string _root = "";

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        if (VaultTarget.UsesRealVault)
        {
            Assert.Ignore("double only: initializes its own 3-of-5 server");
        }

        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        (_process, _http) = await Fresh.StartAsync(cts.Token);
        var init = await Fresh.InitAsync(_http, 5, 3, cts.Token);
        _hex = init["keys"]!.AsArray().Select(k => k!.GetValue<string>()).ToList();
        _b64 = init["keys_base64"]!.AsArray().Select(k => k!.GetValue<string>()).ToList();
        _root = init["root_token"]!.GetValue<string>();
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

    [SetUp]
    public async Task SealAndResetAsync()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await _http.PutAsync("sys/seal", null, _root, cts.Token);
        await _http.PutAsync("sys/unseal", new JsonObject { ["reset"] = true }, null, cts.Token);
    }

    private Task<VaultResponse> Unseal(string key, CancellationToken ct) => Fresh.UnsealAsync(_http, key, ct);

    [Test]
    public async Task Unseal_FirstShare_SetsProgressAndNonce(CancellationToken ct)
    {
        var r = await Unseal(_hex[0], ct);
        Assert.That(r.Code, Is.EqualTo(200));
        Assert.That(r.Json!["progress"]!.GetValue<int>(), Is.EqualTo(1));
        Assert.That(r.Json!["sealed"]!.GetValue<bool>(), Is.True);
        Assert.That(Guid.TryParse(r.Json!["nonce"]!.GetValue<string>(), out _), Is.True);
    }

    [Test]
    public async Task Unseal_SameShareTwice_IsNotCounted(CancellationToken ct)
    {
        await Unseal(_hex[1], ct);
        var again = await Unseal(_b64[1], ct); // same bytes, other encoding
        Assert.That(again.Code, Is.EqualTo(200));
        Assert.That(again.Json!["progress"]!.GetValue<int>(), Is.EqualTo(1));
    }

    [Test]
    public async Task Unseal_Reset_DiscardsProgress(CancellationToken ct)
    {
        await Unseal(_hex[0], ct);
        var reset = await _http.PutAsync("sys/unseal", new JsonObject { ["reset"] = true }, null, ct);
        Assert.That(reset.Json!["progress"]!.GetValue<int>(), Is.Zero);
        Assert.That(reset.Json!["nonce"]!.GetValue<string>(), Is.Empty);
    }

    [TestCase("0,1,2")]
    [TestCase("4,2,0")]
    [TestCase("1,3,4")]
    public async Task Unseal_AnyThresholdSubset_MixingHexAndBase64_Unseals(string indexes, CancellationToken ct)
    {
        var idx = indexes.Split(',').Select(int.Parse).ToList();
        VaultResponse? last = null;
        for (var i = 0; i < idx.Count; i++)
        {
            last = await Unseal(i % 2 == 0 ? _hex[idx[i]] : _b64[idx[i]], ct);
            Assert.That(last.Code, Is.EqualTo(200), last.ToString());
        }

        Assert.That(last!.Json!["sealed"]!.GetValue<bool>(), Is.False);
        Assert.That(last.Json!["progress"]!.GetValue<int>(), Is.Zero);
        Assert.That(last.Json!["nonce"]!.GetValue<string>(), Is.Empty);
        Assert.That((await _http.GetAsync("sys/health", null, ct)).Code, Is.EqualTo(200));
    }

    [Test]
    public async Task Unseal_WithWrongShareAtThreshold_StaysSealed_AndProgressResets(CancellationToken ct)
    {
        await Unseal(_hex[0], ct);
        await Unseal(_hex[1], ct);
        var wrong = Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)) + _hex[2][^2..];
        var r = await Unseal(wrong, ct);
        var status = await _http.GetAsync("sys/seal-status", null, ct);
        Assert.That(r.Code, Is.EqualTo(400));
        Assert.That(r.Errors.Single(), Does.Contain("invalid key"));
        Assert.That(status.Json!["sealed"]!.GetValue<bool>(), Is.True);
        Assert.That(status.Json!["progress"]!.GetValue<int>(), Is.Zero);
    }

    [Test]
    public async Task Unseal_DuplicateXCoordinate_FailsCombine(CancellationToken ct)
    {
        await Unseal(_hex[0], ct);
        await Unseal(_hex[1], ct);
        var sameX = Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)) + _hex[0][^2..];
        var r = await Unseal(sameX, ct);
        Assert.That(r.Errors, Is.EqualTo(new[] { "invalid key: failed to compute combined key: duplicate part detected" }));
    }

    [TestCase("not-hex-not-base64!", "'key' must be a valid hex or base64 string")]
    [TestCase("AAAAAAAAAAA=", "invalid key: key is shorter than minimum 16 bytes")]
    [TestCase("00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff0011", "invalid key: key is longer than maximum 33 bytes")]
    public async Task Unseal_MalformedKey_Is400_AndKeepsProgress(string key, string message, CancellationToken ct)
    {
        await Unseal(_hex[0], ct);
        var r = await Unseal(key, ct);
        var status = await _http.GetAsync("sys/seal-status", null, ct);
        Assert.That(r.Code, Is.EqualTo(400));
        Assert.That(r.Errors, Is.EqualTo(new[] { message }));
        Assert.That(status.Json!["progress"]!.GetValue<int>(), Is.EqualTo(1));
    }

    [Test]
    public async Task Unseal_EmptyBody_AsksForKey(CancellationToken ct)
    {
        var r = await _http.PutAsync("sys/unseal", new JsonObject(), null, ct);
        Assert.That(r.Errors, Is.EqualTo(new[] { "'key' must be specified in request body as JSON, or 'reset' set to true" }));
    }

    [Test]
    public async Task Unseal_WhenUnsealed_IsOk_ButResetIs400(CancellationToken ct)
    {
        foreach (var k in _hex.Take(3))
        {
            await Unseal(k, ct);
        }

        var again = await Unseal(_hex[4], ct);
        var reset = await _http.PutAsync("sys/unseal", new JsonObject { ["reset"] = true }, null, ct);
        Assert.That(again.Code, Is.EqualTo(200));
        Assert.That(again.Json!["sealed"]!.GetValue<bool>(), Is.False);
        Assert.That(reset.Code, Is.EqualTo(400));
        Assert.That(reset.Errors, Is.EqualTo(new[] { "vault is unsealed" }));
    }

    [TestCase("AAAAAAAAAAA=", "invalid key: key is shorter than minimum 16 bytes")]
    [TestCase("00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff0011", "invalid key: key is longer than maximum 33 bytes")]
    public async Task Unseal_WhenUnsealed_StillChecksTheKeyLengthFirst(string key, string message, CancellationToken ct)
    {
        foreach (var k in _hex.Take(3))
        {
            await Unseal(k, ct);
        }

        var r = await Unseal(key, ct);
        var status = await _http.GetAsync("sys/seal-status", null, ct);
        Assert.That(r.Code, Is.EqualTo(400));
        Assert.That(r.Errors, Is.EqualTo(new[] { message }));
        Assert.That(status.Json!["sealed"]!.GetValue<bool>(), Is.False);
    }

    [Test]
    public async Task Seal_NeedsRootOrSudo(CancellationToken ct)
    {
        foreach (var k in _hex.Take(3))
        {
            await Unseal(k, ct);
        }

        var noToken = await _http.PutAsync("sys/seal", null, null, ct);
        var unknown = await _http.PutAsync("sys/seal", null, "hvs.AAAAAAAAAAAAAAAAAAAAAAAA", ct);
        var child = await _http.PostAsync("auth/token/create", new JsonObject { ["policies"] = new JsonArray("default") }, _root, ct);
        var weak = await _http.PutAsync("sys/seal", null, child.Json!["auth"]!["client_token"]!.GetValue<string>(), ct);
        var get = await _http.GetAsync("sys/seal", _root, ct);
        var ok = await _http.PutAsync("sys/seal", null, _root, ct);
        var after = await _http.GetAsync("sys/mounts", _root, ct);
        Assert.Multiple(() =>
        {
            Assert.That(noToken.Code, Is.EqualTo(403));
            Assert.That(noToken.Text, Is.EqualTo("""{"errors":["permission denied"]}"""));
            Assert.That(unknown.Code, Is.EqualTo(403));
            Assert.That(weak.Code, Is.EqualTo(403));
            Assert.That(weak.Errors.Single(), Is.EqualTo("1 error occurred:\n\t* permission denied\n\n"));
            Assert.That(get.Code, Is.EqualTo(405));
            Assert.That(ok.Code, Is.EqualTo(204));
            Assert.That(after.Code, Is.EqualTo(503));
        });
    }
}
