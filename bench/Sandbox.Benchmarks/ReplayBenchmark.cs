using System.Globalization;
using System.Text;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using Sandbox.Benchmarks.VaultDouble;
using Sandbox.Harness.Guard;
using Sandbox.Harness.Replay;
using Sandbox.Harness.Topology;
using Sandbox.Harness.Vault;

namespace Sandbox.Benchmarks;

/// <summary>
/// Replay of a generated 50-app topology into the Vault double (a real process): the first replay
/// on a fresh, unsealed double (everything created), and a second, no-op replay (everything read,
/// nothing written). Targets: ≤ 5 s and ≤ 1 s. Core parts only: the double in this build
/// has no database, JWT or Kubernetes engine.
/// </summary>
[SimpleJob(RunStrategy.ColdStart, launchCount: 1, warmupCount: 1, iterationCount: 8)]
public class ReplayBenchmark : IDisposable
{
    private const int Apps = 50;
    private readonly HttpClient _plain = new();
    private string _folder = null!;
    private TopologySpec _topology = null!;
    private SandboxGuard _guard = null!;
    private HttpClient _http = null!;
    private DoubleServerProcess? _fresh;
    private VaultClient? _freshRoot;
    private DoubleServerProcess? _replayed;
    private VaultClient? _replayedRoot;

    [GlobalSetup]
    public void Setup()
    {
        _folder = Directory.CreateTempSubdirectory("sandbox-replay-bench-").FullName;
        _topology = TopologyLoader.Load(WriteTopology(_folder, Apps));
        _guard = new SandboxGuard(Denylist.BuiltIn, GuardAuditLog.InMemory());
        _http = _guard.CreateHttpClient("replay-bench");
        (_replayed, _replayedRoot) = StartAsync().GetAwaiter().GetResult();
        var first = new TopologyReplayer(_replayedRoot, _guard).ReplayAsync(_topology, new ReplayOptions()).GetAwaiter().GetResult();
        Console.WriteLine($"// setup replay: {first.Summary}");
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _replayed?.Dispose();
        _replayed = null;
        _http.Dispose();
        Directory.Delete(_folder, recursive: true);
    }

    public void Dispose()
    {
        _plain.Dispose();
        GC.SuppressFinalize(this);
    }

    [IterationSetup(Target = nameof(FirstReplay50Apps))]
    public void StartFresh() => (_fresh, _freshRoot) = StartAsync().GetAwaiter().GetResult();

    [IterationCleanup(Target = nameof(FirstReplay50Apps))]
    public void StopFresh()
    {
        _fresh?.Dispose();
        _fresh = null;
    }

    [Benchmark]
    public async Task<int> FirstReplay50Apps()
    {
        var result = await new TopologyReplayer(_freshRoot!, _guard).ReplayAsync(_topology, new ReplayOptions()).ConfigureAwait(false);
        return result.ChangeCount > 0 ? result.ChangeCount : throw new InvalidOperationException("the first replay wrote nothing");
    }

    [Benchmark]
    public async Task<int> SecondReplay50AppsNoOp()
    {
        var result = await new TopologyReplayer(_replayedRoot!, _guard).ReplayAsync(_topology, new ReplayOptions()).ConfigureAwait(false);
        return result.ChangeCount == 0 ? result.Changes.Count : throw new InvalidOperationException("the second replay wrote: " + result.Summary);
    }

    private async Task<(DoubleServerProcess, VaultClient)> StartAsync()
    {
        var server = await DoubleServerProcess.StartAsync(_plain).ConfigureAwait(false);
        var (_, token) = await server.InitAndUnsealAsync(_plain).ConfigureAwait(false);
        return (server, new VaultClient(server.Address, _http).WithToken(token));
    }

    /// <summary>The fixture topology's shape with <paramref name="apps"/> generated apps (each with a seed and a transit key).</summary>
    internal static string WriteTopology(string folder, int apps)
    {
        var fixtures = Path.Combine(Path.GetDirectoryName(Path.GetDirectoryName(DoubleServerProcess.DllPath))!, "..", "..", "..");
        var policies = Path.Combine(Path.GetFullPath(fixtures), "policies");
        var sb = new StringBuilder($$$"""
            version: 1
            mounts:
              kvv2: { type: kv, version: 2 }
              kv: { type: kv, version: 1 }
              transit: { type: transit }
              postgres: { type: database }
            database: { mount: postgres, defaultTtl: 1h, maxTtl: 24h }
            auth:
              kubernetes: { path: kubernetes, policies: ["{{app}}"] }
              jwt:
                path: jwt
                boundIssuer: https://gitea.arcodange.lab/api/actions
                userClaim: sub
                boundAudiences: ["https://gitea.arcodange.lab"]
                boundClaims: { repository: "arcodange/{{app}}" }
                policies: ["{{app}}-ops"]
            policies:
              runtime: {{{Path.Combine(policies, "app.hcl")}}}
              ops: {{{Path.Combine(policies, "app-ops.hcl")}}}
            apps:

            """);
        for (var i = 0; i < apps; i++)
        {
            var slug = string.Create(CultureInfo.InvariantCulture, $"app-{i:D2}");
            sb.Append(CultureInfo.InvariantCulture, $"  - slug: {slug}\n    transit: {{ keys: [{slug}] }}\n    kv: {{ config: {{ LOG_LEVEL: info, INDEX: \"{i}\" }} }}\n");
        }

        var path = Path.Combine(folder, "topology-50.yaml");
        File.WriteAllText(path, sb.ToString());
        return path;
    }
}
