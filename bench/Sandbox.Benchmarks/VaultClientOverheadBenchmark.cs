using System.Text.Json;
using BenchmarkDotNet.Attributes;
using Sandbox.Harness.Guard;
using Sandbox.Harness.Identity;
using Sandbox.Harness.Keys;
using Sandbox.Harness.Vault;

namespace Sandbox.Benchmarks;

/// <summary>
/// What the typed client costs over a bare HttpClient for one idempotent read on loopback
/// (same keep-alive connection, same JSON body): Polly pipeline, envelope parsing, logging checks.
/// Also the key store's atomic write (temp file, fsync, rename) and one RS256 mint.
/// Run: dotnet run -c Release --project bench/Sandbox.Benchmarks -- --filter '*VaultClientOverhead*' --job short
/// </summary>
[MemoryDiagnoser]
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "BenchmarkDotNet owns the lifecycle: [GlobalCleanup] disposes the fields.")]
public class VaultClientOverheadBenchmark
{
    private const string SealStatus = """{"type":"shamir","initialized":true,"sealed":false,"t":1,"n":1,"progress":0,"nonce":"","version":"1.21.0","migration":false,"cluster_name":"vault-cluster","cluster_id":"c","recovery_seal":false,"storage_type":"file"}""";

    private FixedJsonLoopbackServer _server = null!;
    private HttpClient _http = null!;
    private VaultClient _client = null!;
    private Uri _url = null!;
    private SandboxKeyStore _store = null!;
    private SandboxKeys _keys = null!;
    private string _dir = null!;
    private SandboxJwtIssuer _issuer = null!;

    [GlobalSetup]
    public void Setup()
    {
        _server = new FixedJsonLoopbackServer(SealStatus);
        _http = new HttpClient();
        _client = new VaultClient(_server.Address, _http);
        _url = new Uri(_server.Address, "v1/sys/seal-status");
        _dir = Path.Combine(Path.GetTempPath(), "bench-keys-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_dir);
        _store = new SandboxKeyStore(new SandboxGuard(Denylist.BuiltIn, GuardAuditLog.InMemory()));
        var key = new byte[32];
        Random.Shared.NextBytes(key);
        _keys = new SandboxKeys { UnsealKeysB64 = [Convert.ToBase64String(key)], UnsealKeysHex = [Convert.ToHexStringLower(key)], UnsealShares = 1, UnsealThreshold = 1, RootToken = "hvs.bench" };
        _issuer = new SandboxJwtIssuer("https://gitea.bench.invalid");
    }

    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        _http.Dispose();
        await _server.DisposeAsync();
        _issuer.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    [Benchmark(Baseline = true, Description = "HttpClient GET + JsonDocument")]
    public async Task<bool> RawHttpClientRead()
    {
        using var response = await _http.GetAsync(_url);
        await using var stream = await response.Content.ReadAsStreamAsync();
        using var document = await JsonDocument.ParseAsync(stream);
        return document.RootElement.GetProperty("sealed").GetBoolean();
    }

    [Benchmark(Description = "VaultClient.GetSealStatusAsync")]
    public async Task<bool> VaultClientRead() => (await _client.GetSealStatusAsync()).Sealed;

    [Benchmark(Description = "SandboxKeyStore.WriteAsync (fsync + rename)")]
    public Task KeyStoreWrite() => _store.WriteAsync(Path.Combine(_dir, "cluster-keys.json"), _keys);

    [Benchmark(Description = "SandboxJwtIssuer.MintGiteaToken")]
    public string MintToken() => _issuer.MintGiteaToken(new GiteaActionsClaims("org/app"));
}
