using System.Text;
using System.Text.Json.Nodes;
using Sandbox.VaultDouble.Tests.Infrastructure;

namespace Sandbox.VaultDouble.Tests.Conformance;

/// <summary>§2, §3: restart → sealed with data intact; lost key → unreadable. Double only: restarts its own server.</summary>
[TestFixture, Category("DoubleOnly"), CancelAfter(90_000)]
public sealed class RestartTests
{
    [SetUp]
    public void RequireDouble()
    {
        if (VaultTarget.UsesRealVault)
        {
            Assert.Ignore("double only: restarts and inspects its own server's storage");
        }
    }

    [Test]
    public async Task Restart_ComesUpSealed_AndUnsealRestoresEverything(CancellationToken ct)
    {
        await using var process = await DoubleProcess.StartAsync(ct);
        using var http = new VaultHttp(process.Address);
        var init = await Fresh.InitAsync(http, 3, 2, ct);
        var keys = init["keys"]!.AsArray().Select(k => k!.GetValue<string>()).ToList();
        var root = init["root_token"]!.GetValue<string>();
        await Fresh.UnsealAsync(http, keys[0], ct);
        await Fresh.UnsealAsync(http, keys[2], ct);
        Assert.That((await http.PostAsync("sys/mounts/kvv2", new JsonObject { ["type"] = "kv-v2" }, root, ct)).Code, Is.EqualTo(204));
        await KvUpgrade.WaitAsync(http, root, "kvv2", ct);
        await http.PostAsync("kvv2/data/app/config", new JsonObject { ["data"] = new JsonObject { ["v"] = 1 } }, root, ct);
        await http.PostAsync("kvv2/data/app/config", new JsonObject { ["data"] = new JsonObject { ["v"] = 2 } }, root, ct);
        await http.PutAsync("sys/policies/acl/app", new JsonObject { ["policy"] = """path "kvv2/data/app/*" { capabilities = ["read"] }""" }, root, ct);
        var child = (await http.PostAsync("auth/token/create", new JsonObject { ["policies"] = new JsonArray("app"), ["ttl"] = "1h" }, root, ct)).Json!["auth"]!["client_token"]!.GetValue<string>();

        await process.RestartAsync(ct);
        using var http2 = new VaultHttp(process.Address);
        var status = await http2.GetAsync("sys/seal-status", null, ct);
        var health = await http2.GetAsync("sys/health", null, ct);
        var sealedRead = await http2.GetAsync("kvv2/data/app/config", root, ct);
        Assert.Multiple(() =>
        {
            Assert.That(process.ExitCode, Is.Zero, "SIGTERM stops it gracefully");
            Assert.That(status.Json!["initialized"]!.GetValue<bool>(), Is.True);
            Assert.That(status.Json!["sealed"]!.GetValue<bool>(), Is.True);
            Assert.That(status.Json!["t"]!.GetValue<int>(), Is.EqualTo(2));
            Assert.That(status.Json!["n"]!.GetValue<int>(), Is.EqualTo(3));
            Assert.That(status.Json!["progress"]!.GetValue<int>(), Is.Zero);
            Assert.That(health.Code, Is.EqualTo(503));
            Assert.That(sealedRead.Code, Is.EqualTo(503));
            Assert.That(sealedRead.Errors, Is.EqualTo(new[] { "Vault is sealed" }));
        });

        await Fresh.UnsealAsync(http2, keys[1], ct);
        var unsealed = await Fresh.UnsealAsync(http2, keys[2], ct);
        var read = await http2.GetAsync("kvv2/data/app/config", child, ct);
        var policy = await http2.GetAsync("sys/policies/acl/app", root, ct);
        var mounts = await http2.GetAsync("sys/mounts", root, ct);
        Assert.Multiple(() =>
        {
            Assert.That(unsealed.Json!["sealed"]!.GetValue<bool>(), Is.False);
            Assert.That(read.Code, Is.EqualTo(200), "the child token survived the restart");
            Assert.That(read.Data!["data"]!["v"]!.GetValue<int>(), Is.EqualTo(2));
            Assert.That(read.Data!["metadata"]!["version"]!.GetValue<long>(), Is.EqualTo(2));
            Assert.That(policy.Code, Is.EqualTo(200));
            Assert.That(mounts.Data!["kvv2/"], Is.Not.Null);
            Assert.That(process.Output, Does.Contain("[INFO]  core: vault is unsealed").And.Contain("core: restoring leases").And.Contain("core: lease restore complete"));
        });
    }

    [Test]
    public async Task Storage_NeverHoldsPlaintext_AndAnotherKeyCannotUnseal(CancellationToken ct)
    {
        const string Secret = "correct-horse-battery-staple-9f3a";
        await using var a = await DoubleProcess.StartAsync(ct);
        await using var b = await DoubleProcess.StartAsync(ct);
        using var httpA = new VaultHttp(a.Address);
        using var httpB = new VaultHttp(b.Address);
        var initA = await Fresh.InitAsync(httpA, 1, 1, ct);
        var initB = await Fresh.InitAsync(httpB, 1, 1, ct);
        var rootA = initA["root_token"]!.GetValue<string>();
        await Fresh.UnsealAsync(httpA, initA["keys"]![0]!.GetValue<string>(), ct);
        await httpA.PostAsync("sys/mounts/kvv2", new JsonObject { ["type"] = "kv-v2" }, rootA, ct);
        await KvUpgrade.WaitAsync(httpA, rootA, "kvv2", ct);
        await httpA.PostAsync("kvv2/data/app/config", new JsonObject { ["data"] = new JsonObject { ["password"] = Secret } }, rootA, ct);
        await httpA.PostAsync("sys/mounts/kv1", new JsonObject { ["type"] = "kv" }, rootA, ct);
        await httpA.PutAsync("kv1/app", new JsonObject { ["password"] = Secret }, rootA, ct);

        await a.RestartAsync(ct);
        using var httpA2 = new VaultHttp(a.Address);
        var needles = new[] { Secret, Convert.ToBase64String(Encoding.UTF8.GetBytes(Secret)), rootA, initA["keys"]![0]!.GetValue<string>() };
        foreach (var file in Directory.EnumerateFiles(a.StoragePath, "*", SearchOption.AllDirectories))
        {
            if (!OperatingSystem.IsWindows())
            {
                Assert.That(File.GetUnixFileMode(file), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite), $"{file} is 0600");
            }

            var bytes = await File.ReadAllBytesAsync(file, ct);
            var text = Encoding.Latin1.GetString(bytes);
            foreach (var needle in needles)
            {
                Assert.That(text, Does.Not.Contain(needle), $"{file} holds a secret in clear");
            }
        }

        var otherKey = await Fresh.UnsealAsync(httpA2, initB["keys"]![0]!.GetValue<string>(), ct);
        var randomKey = await Fresh.UnsealAsync(httpA2, Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)), ct);
        var status = await httpA2.GetAsync("sys/seal-status", null, ct);
        var reinit = await httpA2.PutAsync("sys/init", new JsonObject { ["secret_shares"] = 1, ["secret_threshold"] = 1 }, null, ct);
        Assert.Multiple(() =>
        {
            Assert.That(otherKey.Code, Is.EqualTo(400));
            Assert.That(otherKey.Errors, Is.EqualTo(new[] { "unable to retrieve stored keys: invalid key: failed to decrypt keys from storage: cipher: message authentication failed" }));
            Assert.That(randomKey.Code, Is.EqualTo(400));
            Assert.That(randomKey.Errors.Single(), Does.Contain("invalid key"));
            Assert.That(status.Json!["sealed"]!.GetValue<bool>(), Is.True);
            Assert.That(reinit.Errors, Is.EqualTo(new[] { "Vault is already initialized" }));
        });
    }

    [Test]
    public async Task SingleShare_Is32Bytes_AndWrong33ByteKeyFailsSetup(CancellationToken ct)
    {
        await using var process = await DoubleProcess.StartAsync(ct);
        using var http = new VaultHttp(process.Address);
        var init = await Fresh.InitAsync(http, 1, 1, ct);
        var key = init["keys"]![0]!.GetValue<string>();
        var longKey = await Fresh.UnsealAsync(http, Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(33)), ct);
        Assert.That(key, Has.Length.EqualTo(64));
        Assert.That(longKey.Code, Is.EqualTo(400));
        Assert.That(longKey.Errors.Single(), Does.StartWith("invalid key: failed to setup unseal key"));
    }

    [Test]
    public async Task ExpiredTokenLease_IsRevokedAfterRestartAndUnseal(CancellationToken ct)
    {
        await using var process = await DoubleProcess.StartAsync(ct);
        using var http = new VaultHttp(process.Address);
        var init = await Fresh.InitAsync(http, 1, 1, ct);
        var key = init["keys"]![0]!.GetValue<string>();
        var root = init["root_token"]!.GetValue<string>();
        await Fresh.UnsealAsync(http, key, ct);
        var shortToken = (await http.PostAsync("auth/token/create", new JsonObject { ["policies"] = new JsonArray("default"), ["ttl"] = "4s" }, root, ct)).Json!["auth"]!["client_token"]!.GetValue<string>();
        await http.PutAsync("sys/seal", null, root, ct);
        await Task.Delay(4500, ct);
        await process.RestartAsync(ct);
        using var http2 = new VaultHttp(process.Address);
        await Fresh.UnsealAsync(http2, key, ct);
        var lookup = await http2.GetAsync("auth/token/lookup-self", shortToken, ct);
        Assert.That(lookup.Code, Is.EqualTo(403));
        await WaitForAsync(() => process.Output.Contains("revoked lease: lease_id=auth/token/create/", StringComparison.Ordinal), ct);
        Assert.That(process.Output, Does.Contain("restored leases: count=1 revoked_expired=1"));
    }

    [Test]
    public async Task TokenLeaseLongerThanATimerCanWait_IsIssued_AndSurvivesRestart(CancellationToken ct)
    {
        // 2000 h is beyond the ~49.7-day range of one .NET timer
        await using var process = await DoubleProcess.StartAsync(ct, extraConfig: "max_lease_ttl = \"87600h\"");
        using var http = new VaultHttp(process.Address);
        var init = await Fresh.InitAsync(http, 1, 1, ct);
        var key = init["keys"]![0]!.GetValue<string>();
        var root = init["root_token"]!.GetValue<string>();
        await Fresh.UnsealAsync(http, key, ct);
        var create = await http.PostAsync("auth/token/create", new JsonObject { ["policies"] = new JsonArray("default"), ["ttl"] = "2000h" }, root, ct);
        Assert.That(create.Code, Is.EqualTo(200), create.ToString());
        Assert.That(create.Json!["auth"]!["lease_duration"]!.GetValue<long>(), Is.EqualTo(7_200_000));
        var token = create.Json!["auth"]!["client_token"]!.GetValue<string>();

        await process.RestartAsync(ct);
        using var http2 = new VaultHttp(process.Address);
        var unseal = await Fresh.UnsealAsync(http2, key, ct);
        var lookup = await http2.GetAsync("auth/token/lookup-self", token, ct);
        Assert.Multiple(() =>
        {
            Assert.That(unseal.Code, Is.EqualTo(200), unseal.ToString());
            Assert.That(unseal.Json!["sealed"]!.GetValue<bool>(), Is.False);
            Assert.That(lookup.Code, Is.EqualTo(200), lookup.ToString());
            Assert.That(process.Output, Does.Contain("restored leases: count=1 revoked_expired=0"));
        });
    }

    private static async Task WaitForAsync(Func<bool> condition, CancellationToken ct)
    {
        while (!condition())
        {
            await Task.Delay(50, ct);
        }
    }
}
