using System.Net;
using BenchmarkDotNet.Attributes;
using Sandbox.Harness.Guard;
using Sandbox.Harness.Guard.Internal;

namespace Sandbox.Benchmarks;

/// <summary>
/// The guard's per-request layer alone (URL check, audit entry, redirect handling) over an inner
/// handler that answers at once, against a pass-through layer over the same handler: what the guard
/// adds to one request with no network in the way.
/// Run: dotnet run -c Release --project bench/Sandbox.Benchmarks -- --filter '*GuardHandlerLayer*' --inProcess
/// </summary>
[MemoryDiagnoser]
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "BenchmarkDotNet owns the lifecycle: [GlobalCleanup] disposes the fields.")]
public class GuardHandlerLayerBenchmark
{
    private static readonly Uri Url = new("http://127.0.0.1:8200/v1/sys/health");
    private HttpMessageInvoker _plain = null!;
    private HttpMessageInvoker _guarded = null!;
    private HttpMessageInvoker _checkOnly = null!;

    [GlobalSetup]
    public void Setup()
    {
        var guard = new SandboxGuard(Denylist.BuiltIn, GuardAuditLog.InMemory());
        _plain = new HttpMessageInvoker(new PassThrough { InnerHandler = new Answer() });
        _guarded = new HttpMessageInvoker(new GuardedRedirectHandler(guard, "benchmark") { InnerHandler = new Answer() });
        _checkOnly = new HttpMessageInvoker(new CheckOnly(guard) { InnerHandler = new Answer() });
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _plain.Dispose();
        _guarded.Dispose();
        _checkOnly.Dispose();
    }

    [Benchmark(Baseline = true, Description = "pass-through layer")]
    public async Task<HttpStatusCode> Plain()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, Url);
        using var response = await _plain.SendAsync(request, CancellationToken.None);
        return response.StatusCode;
    }

    [Benchmark(Description = "guard layer")]
    public async Task<HttpStatusCode> Guarded()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, Url);
        using var response = await _guarded.SendAsync(request, CancellationToken.None);
        return response.StatusCode;
    }

    [Benchmark(Description = "URL check + pass-through")]
    public async Task<HttpStatusCode> CheckThenPass()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, Url);
        using var response = await _checkOnly.SendAsync(request, CancellationToken.None);
        return response.StatusCode;
    }

    private sealed class CheckOnly(SandboxGuard guard) : DelegatingHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            guard.CheckUrl(request.RequestUri!, "benchmark").Allowed ? base.SendAsync(request, cancellationToken) : throw new InvalidOperationException("refused");
    }

    private sealed class PassThrough : DelegatingHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) => base.SendAsync(request, cancellationToken);
    }

    private sealed class Answer : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK) { RequestMessage = request });
    }
}
