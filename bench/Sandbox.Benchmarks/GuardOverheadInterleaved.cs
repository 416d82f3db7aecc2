using System.Diagnostics;
using System.Globalization;
using Sandbox.Harness.Guard;

namespace Sandbox.Benchmarks;

/// <summary>
/// The same comparison as <see cref="GuardOverheadBenchmark"/>, measured so that a noisy, shared
/// machine cannot bias it: guarded and unguarded batches alternate (ABBA order) within each round,
/// so background load hits both alike, and the figure is the median of the per-round ratios.
/// Run: dotnet run -c Release --project bench/Sandbox.Benchmarks -- guard-interleaved [rounds] [batch] [--handler-only | --empty-layer | --async-layer | --check-layer]
/// </summary>
public static class GuardOverheadInterleaved
{
    public static async Task<int> RunAsync(string[] args)
    {
        var numbers = args.Where(a => !a.StartsWith('-')).ToArray();
        var rounds = numbers.Length > 0 ? int.Parse(numbers[0], CultureInfo.InvariantCulture) : 40;
        var batch = numbers.Length > 1 ? int.Parse(numbers[1], CultureInfo.InvariantCulture) : 200;
        await using var server = new LoopbackKeepAliveServer();
        var uri = new Uri($"http://127.0.0.1:{server.Port}/v1/sys/health");
        using var unguarded = new HttpClient(new SocketsHttpHandler { UseProxy = false, AllowAutoRedirect = false, UseCookies = false });
        var guard = new SandboxGuard(Denylist.BuiltIn, GuardAuditLog.InMemory());
        using var guarded = args.Contains("--handler-only")
            ? new HttpClient(guard.CreateHttpHandler("benchmark"))
            : args.Contains("--empty-layer")
                ? new HttpClient(new PassThroughHandler { InnerHandler = new SocketsHttpHandler { UseProxy = false, AllowAutoRedirect = false, UseCookies = false } })
                : args.Contains("--async-layer")
                    ? new HttpClient(new AwaitingHandler { InnerHandler = new SocketsHttpHandler { UseProxy = false, AllowAutoRedirect = false, UseCookies = false } })
                    : args.Contains("--check-layer")
                        ? new HttpClient(new CheckingHandler(guard) { InnerHandler = new SocketsHttpHandler { UseProxy = false, AllowAutoRedirect = false, UseCookies = false } })
                        : guard.CreateHttpClient("benchmark");

        Console.WriteLine($"guarded client: {(args.Contains("--handler-only") ? "CreateHttpHandler only (connect-time checks, no per-request URL check)" : args.Contains("--empty-layer") ? "no guard: a pass-through DelegatingHandler over the same SocketsHttpHandler (the cost of one handler layer)" : "CreateHttpClient (full guard)")}");
        Console.WriteLine($"rounds={rounds} batch={batch} (ABBA interleaving; per-request microseconds are medians over rounds)");
        Console.WriteLine("| case | unguarded (us/request) | guarded (us/request) | ratio guarded/unguarded (median of rounds) | ratio p25..p75 |");
        Console.WriteLine("|---|---:|---:|---:|---|");
        foreach (var close in new[] { false, true })
        {
            await BatchAsync(unguarded, uri, close, batch);
            await BatchAsync(guarded, uri, close, batch);
            var u = new List<double>();
            var g = new List<double>();
            var ratios = new List<double>();
            for (var r = 0; r < rounds; r++)
            {
                double a, b;
                if (r % 2 == 0)
                {
                    a = await BatchAsync(unguarded, uri, close, batch);
                    b = await BatchAsync(guarded, uri, close, batch);
                }
                else
                {
                    b = await BatchAsync(guarded, uri, close, batch);
                    a = await BatchAsync(unguarded, uri, close, batch);
                }

                u.Add(a);
                g.Add(b);
                ratios.Add(b / a);
            }

            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {(close ? "new connection" : "keep-alive")} | {Median(u):F1} | {Median(g):F1} | {Median(ratios):F3} | {Percentile(ratios, 0.25):F3}..{Percentile(ratios, 0.75):F3} |"));
        }

        return 0;
    }

    private static async Task<double> BatchAsync(HttpClient client, Uri uri, bool close, int count)
    {
        var watch = Stopwatch.StartNew();
        for (var i = 0; i < count; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, uri);
            if (close)
            {
                request.Headers.ConnectionClose = true;
            }

            using var response = await client.SendAsync(request).ConfigureAwait(false);
            await response.Content.ReadAsByteArrayAsync().ConfigureAwait(false);
        }

        return watch.Elapsed.TotalMicroseconds / count;
    }

    private sealed class PassThroughHandler : DelegatingHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) => base.SendAsync(request, cancellationToken);
    }

    private sealed class CheckingHandler(SandboxGuard guard) : DelegatingHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            guard.CheckUrl(request.RequestUri!, "benchmark").Allowed ? base.SendAsync(request, cancellationToken) : throw new InvalidOperationException("refused");
    }

    private sealed class AwaitingHandler : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
    }

    private static double Median(List<double> values) => Percentile(values, 0.5);

    private static double Percentile(List<double> values, double p)
    {
        var sorted = values.Order().ToArray();
        var index = (sorted.Length - 1) * p;
        var low = (int)Math.Floor(index);
        var high = (int)Math.Ceiling(index);
        return sorted[low] + ((sorted[high] - sorted[low]) * (index - low));
    }
}
