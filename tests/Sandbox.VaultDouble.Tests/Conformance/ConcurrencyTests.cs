using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Sandbox.VaultDouble.Tests.Infrastructure;

namespace Sandbox.VaultDouble.Tests.Conformance;

/// <summary>Parallel traffic while the server seals and unseals: only 200/204/400/404/503 answers, never a crash or a 500.</summary>
[TestFixture, Category("DoubleOnly"), CancelAfter(120_000)]
public sealed class ConcurrencyTests : ConformanceFixture
{
    [Test]
    public async Task SealAndUnsealUnderLoad_NeverAnswers500_AndKeepsData(CancellationToken ct)
    {
        DoubleOnly("seals its own server repeatedly");
        Assert.That((await Http.PostAsync("sys/mounts/kv", new JsonObject { ["type"] = "kv-v2" }, Root, ct)).Code, Is.EqualTo(204));
        await KvUpgrade.WaitAsync(Http, Root, "kv", ct);
        var codes = new ConcurrentDictionary<int, int>();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var workers = Enumerable.Range(0, 4).Select(w => Task.Run(async () =>
        {
            var random = new Random(1000 + w);
            var n = 0;
            while (!stop.IsCancellationRequested)
            {
                var key = $"w{w}/k{random.Next(5)}";
                VaultResponse r = random.Next(3) switch
                {
                    0 => await Http.GetAsync($"kv/data/{key}", Root, CancellationToken.None),
                    1 => await Http.PostAsync($"kv/data/{key}", new JsonObject { ["data"] = new JsonObject { ["n"] = n++ } }, Root, CancellationToken.None),
                    _ => await Http.PostAsync("auth/token/create", new JsonObject { ["policies"] = new JsonArray("default"), ["ttl"] = "1m" }, Root, CancellationToken.None),
                };
                codes.AddOrUpdate(r.Code, 1, (_, c) => c + 1);
            }
        }, CancellationToken.None)).ToList();

        for (var i = 0; i < 10; i++)
        {
            await Task.Delay(80, ct);
            Assert.That((await Http.PutAsync("sys/seal", null, Root, ct)).Code, Is.EqualTo(204));
            await Task.Delay(40, ct);
            var unseal = await Fresh.UnsealAsync(Http, Target.UnsealKey!, ct);
            Assert.That(unseal.Json!["sealed"]!.GetValue<bool>(), Is.False, unseal.ToString());
        }

        await stop.CancelAsync();
        await Task.WhenAll(workers);
        TestContext.Out.WriteLine("codes: " + string.Join(", ", codes.OrderBy(p => p.Key).Select(p => $"{p.Key}×{p.Value}")));
        var write = await Http.PostAsync("kv/data/final", new JsonObject { ["data"] = new JsonObject { ["ok"] = true } }, Root, ct);
        var read = await Http.GetAsync("kv/data/final", Root, ct);
        Assert.Multiple(() =>
        {
            Assert.That(codes.Keys, Is.SubsetOf(new[] { 200, 204, 400, 404, 503 }), "no 500 while sealing under load:\n" + string.Join('\n', Target.Server!.Output.Split('\n').Where(l => l.Contains("[ERROR]", StringComparison.Ordinal)).Take(10)));
            Assert.That(codes.GetValueOrDefault(503), Is.GreaterThan(0), "some requests met the sealed server");
            Assert.That(codes.GetValueOrDefault(200), Is.GreaterThan(0));
            Assert.That(read.Data!["data"]!["ok"]!.GetValue<bool>(), Is.True, write.ToString());
            Assert.That(Target.Server!.HasExited, Is.False);
        });
    }
}
