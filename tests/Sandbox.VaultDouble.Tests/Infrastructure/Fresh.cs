using System.Text.Json.Nodes;

namespace Sandbox.VaultDouble.Tests.Infrastructure;

/// <summary>Helpers for double-only tests that need an uninitialized or restartable server.</summary>
public static class Fresh
{
    public static async Task<(DoubleProcess Process, VaultHttp Http)> StartAsync(CancellationToken ct, string extraListener = "")
    {
        var p = await DoubleProcess.StartAsync(ct, extraListener: extraListener);
        return (p, new VaultHttp(p.Address));
    }

    public static async Task<JsonNode> InitAsync(VaultHttp http, int shares, int threshold, CancellationToken ct)
    {
        var r = await http.PutAsync("sys/init", new JsonObject { ["secret_shares"] = shares, ["secret_threshold"] = threshold }, null, ct);
        Assert.That(r.Code, Is.EqualTo(200), r.ToString());
        return r.Json!;
    }

    public static async Task<VaultResponse> UnsealAsync(VaultHttp http, string key, CancellationToken ct)
        => await http.PutAsync("sys/unseal", new JsonObject { ["key"] = key }, null, ct);
}
