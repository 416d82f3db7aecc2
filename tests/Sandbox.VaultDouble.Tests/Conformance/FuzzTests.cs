using System.Text;
using Sandbox.VaultDouble.Tests.Infrastructure;

namespace Sandbox.VaultDouble.Tests.Conformance;

/// <summary>§13 "no request may crash the process": thousands of seeded random requests, then the server still serves.</summary>
[TestFixture, Category("DoubleOnly"), CancelAfter(180_000)]
public sealed class FuzzTests : ConformanceFixture
{
    private static readonly string[] Methods = ["GET", "PUT", "POST", "DELETE", "LIST", "PATCH", "HEAD", "OPTIONS", "FOO"];

    private static readonly string[] Paths =
    [
        "sys/init", "sys/unseal", "sys/seal-status", "sys/health", "sys/leader", "sys/mounts", "sys/mounts/{m}", "sys/mounts/{m}/tune",
        "sys/auth", "sys/auth/{m}", "sys/policies/acl", "sys/policies/acl/{s}", "sys/policy/{s}", "sys/leases/lookup", "sys/leases/renew",
        "sys/leases/revoke", "sys/leases/revoke-prefix/{s}", "sys/leases/lookup/{s}", "sys/capabilities-self",
        "auth/token/create", "auth/token/lookup-self", "auth/token/lookup", "auth/{m}/login", "auth/{m}/role/{s}",
        "kv/data/{s}", "kv/metadata/{s}", "kv/delete/{s}", "kv/undelete/{s}", "kv/destroy/{s}", "kv/{s}", "kv/config",
        "kv1/{s}", "transit/keys/{s}", "transit/keys/{s}/rotate", "transit/encrypt/{s}", "transit/decrypt/{s}", "cubbyhole/{s}",
        "{s}", "{s}/{s}/{s}",
    ];

    private static readonly string[] Fragments =
    [
        "a", "app/config", "..", ".", "%2e%2e", "x%00y", "%2F", "héllo", "a b", "*", "+", "" , "very-" + new string('l', 300), "_x.tmp", "a//b", "~", "$", "{{x}}",
    ];

    private static readonly string[] Bodies =
    [
        "", "{}", "null", "[]", "1", "\"s\"", "{", "}{", "{\"data\":{}}", "{\"data\":null}", "{\"data\":{\"a\":1},\"options\":{\"cas\":\"x\"}}",
        "{\"type\":\"kv-v2\"}", "{\"type\":\"transit\"}", "{\"type\":42}", "{\"type\":\"jwt\"}", "{\"policy\":\"path \\\"x\\\" { capabilities = [\\\"read\\\"] }\"}",
        "{\"policy\":\"{{{\"}", "{\"key\":\"00\"}", "{\"key\":\"zz\"}", "{\"reset\":true}", "{\"secret_shares\":\"a\"}", "{\"secret_shares\":1e400}",
        "{\"plaintext\":\"aGk=\"}", "{\"plaintext\":12}", "{\"ciphertext\":\"vault:v1:AAAA\"}", "{\"ciphertext\":\"vault:v99999999999:AA\"}",
        "{\"versions\":[1,\"x\",null]}", "{\"versions\":\"1\"}", "{\"lease_id\":\"\"}", "{\"lease_id\":[]}", "{\"increment\":-5}", "{\"ttl\":\"-1h\"}",
        "{\"ttl\":\"99999999h\"}", "{\"policies\":\"a,b\"}", "{\"policies\":[{}]}", "{\"meta\":[]}", "{\"num_uses\":-1}", "{\"config\":{\"max_lease_ttl\":\"x\"}}",
        "{\"options\":{\"version\":\"3\"}}", "{\"paths\":5}", "{\"max_versions\":-1}", "{\"custom_metadata\":{\"a\":1}}",
        "{\"a\":" + new string('[', 200) + new string(']', 200) + "}",
    ];

    [Test]
    public async Task ThousandsOfRandomRequests_NeverCrashTheServer(CancellationToken ct)
    {
        DoubleOnly("fuzzes its own server");
        await Http.PostAsync("sys/mounts/kv", new System.Text.Json.Nodes.JsonObject { ["type"] = "kv-v2" }, Root, ct);
        await KvUpgrade.WaitAsync(Http, Root, "kv", ct);
        await Http.PostAsync("sys/mounts/kv1", new System.Text.Json.Nodes.JsonObject { ["type"] = "kv" }, Root, ct);
        await Http.PostAsync("sys/mounts/transit", new System.Text.Json.Nodes.JsonObject { ["type"] = "transit" }, Root, ct);
        var random = new Random(20261128);
        var statuses = new Dictionary<int, int>();
        using var raw = new HttpClient { BaseAddress = Http.Address, Timeout = TimeSpan.FromSeconds(10) };
        for (var i = 0; i < 3000; i++)
        {
            var template = Paths[random.Next(Paths.Length)];
            var path = template.Replace("{m}", random.Next(3) == 0 ? "kv" : Fragments[random.Next(Fragments.Length)], StringComparison.Ordinal);
            while (path.Contains("{s}", StringComparison.Ordinal))
            {
                var idx = path.IndexOf("{s}", StringComparison.Ordinal);
                path = path[..idx] + Fragments[random.Next(Fragments.Length)] + path[(idx + 3)..];
            }

            var method = Methods[random.Next(Methods.Length)];
            using var request = new HttpRequestMessage(new HttpMethod(method), "/v1/" + path);
            if (method is not ("GET" or "HEAD") && random.Next(4) > 0)
            {
                request.Content = new StringContent(Bodies[random.Next(Bodies.Length)], Encoding.UTF8, "application/json");
            }

            var tokenChoice = random.Next(4);
            if (tokenChoice > 0)
            {
                request.Headers.TryAddWithoutValidation("X-Vault-Token", tokenChoice == 1 ? "hvs.bogus" : Root);
            }

            if (random.Next(50) == 0 && method is "PUT" or "POST" && path is "sys/seal")
            {
                continue; // sealing would only make the rest of the run 503s
            }

            using var response = await raw.SendAsync(request, ct);
            var code = (int)response.StatusCode;
            statuses[code] = statuses.GetValueOrDefault(code) + 1;
            if (code == 500)
            {
                var body = await response.Content.ReadAsStringAsync(ct);
                Assert.That(body, Does.Not.Contain("   at "), $"a 500 leaked a stack trace for {method} {path}");
            }
        }

        var health = await Http.GetAsync("sys/health", null, ct);
        TestContext.Out.WriteLine("status histogram: " + string.Join(", ", statuses.OrderBy(p => p.Key).Select(p => $"{p.Key}×{p.Value}")));
        foreach (var line in Target.Server!.Output.Split('\n').Where(l => l.Contains("[ERROR]", StringComparison.Ordinal)).Distinct().Take(20))
        {
            TestContext.Out.WriteLine(line);
        }

        Assert.That(Target.Server!.HasExited, Is.False, "the process is alive");
        Assert.That(health.Code, Is.EqualTo(200).Or.EqualTo(503), health.ToString());
        Assert.That(statuses.Keys, Has.None.InRange(501, 502));
        Assert.That(statuses.GetValueOrDefault(500), Is.Zero, "no internal errors; see the [ERROR] lines above");
    }
}
