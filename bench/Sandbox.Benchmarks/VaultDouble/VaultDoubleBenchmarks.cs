using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Engines;

namespace Sandbox.Benchmarks.VaultDouble;

/// <summary>
/// The Vault double's figures: cold start to listening, init + unseal, and KV v2
/// read latency on loopback. Run: <c>dotnet run -c Release --project bench/Sandbox.Benchmarks -- --filter *VaultDouble*</c>.
/// </summary>
[Config(typeof(Percentiles))]
[SimpleJob(RunStrategy.ColdStart, launchCount: 1, warmupCount: 1, iterationCount: 15)]
public class VaultDoubleStartupBenchmarks : IDisposable
{
    public void Dispose()
    {
        _http.Dispose();
        GC.SuppressFinalize(this);
    }

    private readonly HttpClient _http = new();
    private DoubleServerProcess? _server;

    [IterationCleanup]
    public void StopServer()
    {
        _server?.Dispose();
        _server = null;
    }

    /// <summary>Process spawn until <c>sys/health</c> answers (501: uninitialized).</summary>
    [Benchmark]
    public async Task ColdStartToListening() => _server = await DoubleServerProcess.StartAsync(_http).ConfigureAwait(false);

    private sealed class Percentiles : ManualConfig
    {
        public Percentiles() => AddColumn(StatisticColumn.Median, StatisticColumn.P95, new P99Column());
    }
}

/// <summary>init (1 share) + unseal on a fresh, already listening server.</summary>
[Config(typeof(Percentiles))]
[SimpleJob(RunStrategy.ColdStart, launchCount: 1, warmupCount: 1, iterationCount: 15)]
public class VaultDoubleInitUnsealBenchmarks : IDisposable
{
    public void Dispose()
    {
        _http.Dispose();
        GC.SuppressFinalize(this);
    }

    private readonly HttpClient _http = new();
    private DoubleServerProcess? _server;

    [IterationSetup]
    public void StartServer() => _server = DoubleServerProcess.StartAsync(_http).GetAwaiter().GetResult();

    [IterationCleanup]
    public void StopServer()
    {
        _server?.Dispose();
        _server = null;
    }

    [Benchmark]
    public async Task<string> InitAndUnseal() => (await _server!.InitAndUnsealAsync(_http).ConfigureAwait(false)).Token;

    private sealed class Percentiles : ManualConfig
    {
        public Percentiles() => AddColumn(StatisticColumn.Median, StatisticColumn.P95, new P99Column());
    }
}

/// <summary>GET kv/data/app/config with the root token on an unsealed server.</summary>
[Config(typeof(Percentiles))]
[SimpleJob(RunStrategy.Throughput, launchCount: 1, warmupCount: 3, iterationCount: 20, invocationCount: 200)]
public class VaultDoubleKvReadBenchmarks : IDisposable
{
    public void Dispose()
    {
        _http.Dispose();
        GC.SuppressFinalize(this);
    }

    private readonly HttpClient _http = new();
    private DoubleServerProcess? _server;
    private Uri _read = null!;
    private string _token = "";

    [GlobalSetup]
    public void Setup()
    {
        _server = DoubleServerProcess.StartAsync(_http).GetAwaiter().GetResult();
        (_, _token) = _server.InitAndUnsealAsync(_http).GetAwaiter().GetResult();
        _http.DefaultRequestHeaders.Add("X-Vault-Token", _token);
        _http.PostAsync(new Uri(_server.Address, "/v1/sys/mounts/kv"), DoubleServerProcess.Json("""{"type":"kv-v2"}""")).GetAwaiter().GetResult().EnsureSuccessStatusCode();

        // a fresh kv v2 mount answers 400 "Upgrading from non-versioned to versioned data…" for a moment, as Vault's does
        while (_http.GetAsync(new Uri(_server.Address, "/v1/kv/config")).GetAwaiter().GetResult() is { StatusCode: System.Net.HttpStatusCode.BadRequest } upgrading)
        {
            upgrading.Dispose();
            Thread.Sleep(25);
        }

        _http.PostAsync(new Uri(_server.Address, "/v1/kv/data/app/config"), DoubleServerProcess.Json("""{"data":{"username":"app","password":"p4ss"}}""")).GetAwaiter().GetResult().EnsureSuccessStatusCode();
        _read = new Uri(_server.Address, "/v1/kv/data/app/config");
    }

    [GlobalCleanup]
    public void Cleanup() => _server?.Dispose();

    [Benchmark]
    public async Task<string> KvV2Read()
    {
        using var r = await _http.GetAsync(_read).ConfigureAwait(false);
        return await r.Content.ReadAsStringAsync().ConfigureAwait(false);
    }

    private sealed class Percentiles : ManualConfig
    {
        public Percentiles() => AddColumn(StatisticColumn.Median, StatisticColumn.P95, new P99Column());
    }
}

/// <summary>
/// One sandbox's Vault coming up: process start until <c>sys/health</c> answers, then init (1 share)
/// and unseal, for the plain Release build (the baseline: the JIT compiles at every start) against
/// the ReadyToRun composite that <c>./sandbox</c> and <c>./test</c> publish. The CPU each start cost
/// (user and system, read from the process before it stops) is printed at the end of each method's run.
/// Run: <c>scripts/publish-vault-double.sh &amp;&amp; dotnet run -c Release --project bench/Sandbox.Benchmarks -- --filter '*VaultDoubleComposite*'</c>.
/// </summary>
[Config(typeof(Percentiles))]
[SimpleJob(RunStrategy.ColdStart, launchCount: 1, warmupCount: 1, iterationCount: 15)]
public class VaultDoubleCompositeBenchmarks : IDisposable
{
    private readonly HttpClient _http = new();
    private readonly List<double> _cpuMilliseconds = [];
    private DoubleServerProcess? _server;

    public void Dispose()
    {
        _http.Dispose();
        GC.SuppressFinalize(this);
    }

    [IterationCleanup]
    public void StopServer()
    {
        if (_server is not null)
        {
            _cpuMilliseconds.Add(_server.ProcessorTime.TotalMilliseconds);
            _server.Dispose();
            _server = null;
        }
    }

    [GlobalCleanup]
    public void ReportCpu()
    {
        var sorted = _cpuMilliseconds.Order().ToList();
        if (sorted.Count > 0)
        {
            Console.WriteLine($"// CPU per start (user + system), {sorted.Count} starts: median {sorted[sorted.Count / 2]:0} ms, min {sorted[0]:0} ms, max {sorted[^1]:0} ms");
        }
    }

    [Benchmark(Baseline = true)]
    public async Task<string> JitBuild() => await StartInitUnsealAsync(DoubleServerProcess.DllPath).ConfigureAwait(false);

    [Benchmark]
    public async Task<string> Composite() => await StartInitUnsealAsync(DoubleServerProcess.CompositeDllPath).ConfigureAwait(false);

    private async Task<string> StartInitUnsealAsync(string dll)
    {
        _server = await DoubleServerProcess.StartAsync(_http, dll).ConfigureAwait(false);
        return (await _server.InitAndUnsealAsync(_http).ConfigureAwait(false)).Token;
    }

    private sealed class Percentiles : ManualConfig
    {
        public Percentiles() => AddColumn(StatisticColumn.Median, StatisticColumn.P95, new P99Column());
    }
}
