using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using Sandbox.Harness.Guard;

namespace Sandbox.Benchmarks;

/// <summary>
/// The production guard's overhead on loopback HTTP GETs to a local server: the guarded client
/// (URL check per request, connect-time check per connection, audit entry for each) against a
/// plain SocketsHttpHandler with the same settings. Two pairs: pooled keep-alive connections (the
/// harness's normal case) and a new connection per request (the connect callback on every call).
/// Run: dotnet run -c Release --project bench/Sandbox.Benchmarks -- --filter '*GuardOverhead*' --job short
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "BenchmarkDotNet owns the lifecycle: [GlobalCleanup] disposes the fields.")]
public class GuardOverheadBenchmark
{
    private LoopbackKeepAliveServer _server = null!;
    private HttpClient _unguarded = null!;
    private HttpClient _guarded = null!;
    private Uri _uri = null!;

    [GlobalSetup]
    public void Setup()
    {
        _server = new LoopbackKeepAliveServer();
        _uri = new Uri($"http://127.0.0.1:{_server.Port}/v1/sys/health");
        _unguarded = new HttpClient(new SocketsHttpHandler { UseProxy = false, AllowAutoRedirect = false, UseCookies = false });
        var guard = new SandboxGuard(Denylist.BuiltIn, GuardAuditLog.InMemory());
        _guarded = guard.CreateHttpClient("benchmark");
    }

    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        _unguarded.Dispose();
        _guarded.Dispose();
        await _server.DisposeAsync();
    }

    [Benchmark(Baseline = true, Description = "unguarded GET")]
    [BenchmarkCategory("keep-alive")]
    public Task<int> UnguardedKeepAlive() => GetAsync(_unguarded, close: false);

    [Benchmark(Description = "guarded GET")]
    [BenchmarkCategory("keep-alive")]
    public Task<int> GuardedKeepAlive() => GetAsync(_guarded, close: false);

    [Benchmark(Baseline = true, Description = "unguarded GET")]
    [BenchmarkCategory("new connection")]
    public Task<int> UnguardedNewConnection() => GetAsync(_unguarded, close: true);

    [Benchmark(Description = "guarded GET")]
    [BenchmarkCategory("new connection")]
    public Task<int> GuardedNewConnection() => GetAsync(_guarded, close: true);

    private async Task<int> GetAsync(HttpClient client, bool close)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, _uri);
        if (close)
        {
            request.Headers.ConnectionClose = true;
        }

        using var response = await client.SendAsync(request).ConfigureAwait(false);
        var body = await response.Content.ReadAsByteArrayAsync().ConfigureAwait(false);
        return body.Length;
    }
}
