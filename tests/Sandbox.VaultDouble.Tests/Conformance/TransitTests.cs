using System.Text;
using System.Text.Json.Nodes;
using Sandbox.VaultDouble.Tests.Infrastructure;

namespace Sandbox.VaultDouble.Tests.Conformance;

/// <summary>§8 transit. Portable.</summary>
[TestFixture, CancelAfter(60_000)]
public sealed class TransitTests : ConformanceFixture
{
    private string _transit = "";

    [OneTimeSetUp]
    public async Task MountTransitAsync()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        _transit = await MountAsync("transit", cts.Token);
    }

    private static string B64(string s) => Convert.ToBase64String(Encoding.UTF8.GetBytes(s));

    private async Task<string> EncryptAsync(string key, string text, CancellationToken ct)
    {
        var r = await Http.PostAsync($"{_transit}/encrypt/{key}", new JsonObject { ["plaintext"] = B64(text) }, Root, ct);
        Assert.That(r.Code, Is.EqualTo(200), r.ToString());
        return r.Data!["ciphertext"]!.GetValue<string>();
    }

    private Task<VaultResponse> DecryptAsync(string key, string ciphertext, CancellationToken ct)
        => Http.PostAsync($"{_transit}/decrypt/{key}", new JsonObject { ["ciphertext"] = ciphertext }, Root, ct);

    [Test]
    public async Task CreateKey_ThenRead_ShowsVersion1(CancellationToken ct)
    {
        var key = Unique("k");
        var create = await Http.PostAsync($"{_transit}/keys/{key}", new JsonObject { ["type"] = "aes256-gcm96" }, Root, ct);
        var read = await Http.GetAsync($"{_transit}/keys/{key}", Root, ct);
        Assert.That(create.Code, Is.EqualTo(200).Or.EqualTo(204));
        Assert.That(read.Data!["type"]!.GetValue<string>(), Is.EqualTo("aes256-gcm96"));
        Assert.That(read.Data!["latest_version"]!.GetValue<int>(), Is.EqualTo(1));
        Assert.That(read.Data!["keys"]!.AsObject().ContainsKey("1"), Is.True);
        Assert.That((await Http.GetAsync($"{_transit}/keys/{Unique("none")}", Root, ct)).Code, Is.EqualTo(404));
    }

    [Test]
    public async Task EncryptDecrypt_RoundTrips_WithVaultPrefix(CancellationToken ct)
    {
        var key = Unique("rt");
        var ciphertext = await EncryptAsync(key, "hello transit", ct); // upsert: key created on first encrypt
        var plain = await DecryptAsync(key, ciphertext, ct);
        Assert.That(ciphertext, Does.StartWith("vault:v1:"));
        Assert.That(ciphertext, Does.Not.Contain(B64("hello transit")));
        Assert.That(Encoding.UTF8.GetString(Convert.FromBase64String(plain.Data!["plaintext"]!.GetValue<string>())), Is.EqualTo("hello transit"));
    }

    [Test]
    public async Task Rotate_NewVersionEncrypts_OldCiphertextStillDecrypts(CancellationToken ct)
    {
        var key = Unique("rot");
        var v1 = await EncryptAsync(key, "one", ct);
        var rotate = await Http.PostAsync($"{_transit}/keys/{key}/rotate", null, Root, ct);
        var v2 = await EncryptAsync(key, "two", ct);
        Assert.That(rotate.Code, Is.EqualTo(200).Or.EqualTo(204));
        Assert.That(v2, Does.StartWith("vault:v2:"));
        Assert.That((await DecryptAsync(key, v1, ct)).Code, Is.EqualTo(200));
        Assert.That((await DecryptAsync(key, v2, ct)).Code, Is.EqualTo(200));
    }

    [Test]
    public async Task RotateMissingKey_IsKeyNotFound(CancellationToken ct)
    {
        var r = await Http.PostAsync($"{_transit}/keys/{Unique("none")}/rotate", null, Root, ct);
        Assert.That(r.Code, Is.EqualTo(400));
        Assert.That(r.Errors.Single(), Does.Contain("key not found"));
    }

    [Test]
    public async Task UnknownKeyType_Is400(CancellationToken ct)
    {
        var r = await Http.PostAsync($"{_transit}/keys/{Unique("t")}", new JsonObject { ["type"] = "foo" }, Root, ct);
        Assert.That(r.Errors, Is.EqualTo(new[] { "unknown key type foo" }));
    }

    [Test]
    public async Task Encrypt_Errors(CancellationToken ct)
    {
        var key = Unique("err");
        var missing = await Http.PostAsync($"{_transit}/encrypt/{key}", new JsonObject(), Root, ct);
        var bad = await Http.PostAsync($"{_transit}/encrypt/{key}", new JsonObject { ["plaintext"] = "not base64!" }, Root, ct);
        Assert.That(missing.Errors, Is.EqualTo(new[] { "missing plaintext to encrypt" }));
        Assert.That(bad.Errors.Single(), Does.StartWith("illegal base64 data at input byte"));
    }

    [Test]
    public async Task Decrypt_ErrorTable(CancellationToken ct)
    {
        var key = Unique("dec");
        var good = await EncryptAsync(key, "secret", ct);
        var body = good["vault:v1:".Length..];
        var raw = Convert.FromBase64String(body);
        raw[^1] ^= 0xFF;
        var tampered = "vault:v1:" + Convert.ToBase64String(raw);
        var cases = new (string Key, string Ciphertext, string Message)[]
        {
            (Unique("none"), good, "encryption key not found"),
            (key, "abc", "invalid ciphertext: no prefix"),
            (key, "vault:v1", "invalid ciphertext: wrong number of fields"),
            (key, "vault:vX:" + body, "invalid ciphertext: version number could not be decoded"),
            (key, "vault:v9:" + body, "invalid ciphertext: version is too new"),
            (key, "vault:v1:!!!", "invalid ciphertext: could not decode base64"),
            (key, tampered, "cipher: message authentication failed"),
            (key, "", "missing ciphertext to decrypt"),
        };
        foreach (var (k, c, message) in cases)
        {
            var r = await DecryptAsync(k, c, ct);
            Assert.That(r.Code, Is.EqualTo(400), $"{c}: {r}");
            Assert.That(r.Errors.Single(), Does.Contain(message), c);
        }
    }

    [Test]
    public async Task Rewrap_MovesCiphertextToTheLatestVersion_KeepingThePlaintext(CancellationToken ct)
    {
        var key = Unique("rw");
        var v1 = await EncryptAsync(key, "rewrap me", ct);
        var rotate = await Http.PostAsync($"{_transit}/keys/{key}/rotate", null, Root, ct);
        Assert.That(rotate.Code, Is.EqualTo(200).Or.EqualTo(204), rotate.ToString());
        var rewrap = await Http.PostAsync($"{_transit}/rewrap/{key}", new JsonObject { ["ciphertext"] = v1 }, Root, ct);
        Assert.That(rewrap.Code, Is.EqualTo(200), rewrap.ToString());
        var v2 = rewrap.Data!["ciphertext"]!.GetValue<string>();
        var plain = await DecryptAsync(key, v2, ct);
        var pinned = await Http.PostAsync($"{_transit}/rewrap/{key}", new JsonObject { ["ciphertext"] = v2, ["key_version"] = 1 }, Root, ct);
        Assert.Multiple(() =>
        {
            Assert.That(v2, Does.StartWith("vault:v2:"));
            Assert.That(rewrap.Data!["key_version"]!.GetValue<int>(), Is.EqualTo(2));
            Assert.That(Encoding.UTF8.GetString(Convert.FromBase64String(plain.Data!["plaintext"]!.GetValue<string>())), Is.EqualTo("rewrap me"));
            Assert.That(pinned.Data!["ciphertext"]!.GetValue<string>(), Does.StartWith("vault:v1:"));
        });
    }

    [Test]
    public async Task Rewrap_Errors_AreDecryptsThenEncrypts(CancellationToken ct)
    {
        var key = Unique("rwe");
        var v1 = await EncryptAsync(key, "x", ct);
        var missing = await Http.PostAsync($"{_transit}/rewrap/{key}", new JsonObject(), Root, ct);
        var noKey = await Http.PostAsync($"{_transit}/rewrap/{Unique("none")}", new JsonObject { ["ciphertext"] = v1 }, Root, ct);
        var noPrefix = await Http.PostAsync($"{_transit}/rewrap/{key}", new JsonObject { ["ciphertext"] = "abc" }, Root, ct);
        var tooHigh = await Http.PostAsync($"{_transit}/rewrap/{key}", new JsonObject { ["ciphertext"] = v1, ["key_version"] = 5 }, Root, ct);
        var read = await Http.GetAsync($"{_transit}/rewrap/{key}", Root, ct);
        Assert.Multiple(() =>
        {
            Assert.That(missing.Errors, Is.EqualTo(new[] { "missing ciphertext to decrypt" }));
            Assert.That(noKey.Errors, Is.EqualTo(new[] { "encryption key not found" }));
            Assert.That(noPrefix.Errors, Is.EqualTo(new[] { "invalid ciphertext: no prefix" }));
            Assert.That(tooHigh.Code, Is.EqualTo(400));
            Assert.That(tooHigh.Errors, Is.EqualTo(new[] { "requested version for encryption is higher than the latest key version" }));
            Assert.That(read.Code, Is.EqualTo(405));
        });
    }
}
