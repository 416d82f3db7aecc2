using System.Text.Json.Nodes;

namespace Sandbox.VaultDouble.Tests.Infrastructure;

/// <summary>Base class: one unsealed target per fixture, helpers for unique mounts and policies.</summary>
public abstract class ConformanceFixture
{
    private VaultTarget? _target;

    protected VaultTarget Target => _target ?? throw new InvalidOperationException("no target");

    protected VaultHttp Http => Target.Http;

    protected string Root => Target.RootToken;

    [OneTimeSetUp]
    public async Task StartTargetAsync()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        _target = await VaultTarget.StartAsync(cts.Token, ServerEnvironment);
    }

    [OneTimeTearDown]
    public async Task StopTargetAsync()
    {
        if (_target is not null)
        {
            await _target.DisposeAsync();
        }
    }

    /// <summary>Variables set (or, when null, removed) for the double's process; none by default.</summary>
    protected virtual IReadOnlyDictionary<string, string?>? ServerEnvironment => null;

    protected static string Unique(string prefix) => $"{prefix}-{Guid.NewGuid().ToString("N")[..8]}";

    protected async Task<string> MountAsync(string type, CancellationToken ct, JsonObject? options = null, JsonObject? config = null)
    {
        var path = Unique(type.Replace("-", "", StringComparison.Ordinal));
        var body = new JsonObject { ["type"] = type };
        if (options is not null)
        {
            body["options"] = options;
        }

        if (config is not null)
        {
            body["config"] = config;
        }

        var r = await Http.PostAsync("sys/mounts/" + path, body, Root, ct);
        Assert.That(r.Code, Is.EqualTo(204), r.ToString());
        if (type == "kv-v2" || (type == "kv" && options?["version"]?.GetValue<string>() == "2"))
        {
            await KvUpgrade.WaitAsync(Http, Root, path, ct);
        }

        return path;
    }

    protected async Task<string> PolicyAsync(string hcl, CancellationToken ct)
    {
        var name = Unique("pol");
        var r = await Http.PutAsync("sys/policies/acl/" + name, new JsonObject { ["policy"] = hcl }, Root, ct);
        Assert.That(r.Code, Is.EqualTo(204), r.ToString());
        return name;
    }

    protected async Task<string> TokenAsync(CancellationToken ct, params string[] policies)
    {
        var body = new JsonObject { ["policies"] = new JsonArray(policies.Select(p => (JsonNode?)p).ToArray()) };
        var r = await Http.PostAsync("auth/token/create", body, Root, ct);
        Assert.That(r.Code, Is.EqualTo(200), r.ToString());
        return r.Json!["auth"]!["client_token"]!.GetValue<string>();
    }

    protected static void DoubleOnly(string why)
    {
        if (VaultTarget.UsesRealVault)
        {
            Assert.Ignore($"double only: {why}");
        }
    }
}
