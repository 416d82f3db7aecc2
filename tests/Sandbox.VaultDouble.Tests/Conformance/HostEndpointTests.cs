using System.Text.Json.Nodes;
using Sandbox.VaultDouble.Tests.Infrastructure;

namespace Sandbox.VaultDouble.Tests.Conformance;

/// <summary>
/// <c>sys/host-info</c>, <c>sys/internal/counters/tokens</c>, <c>sys/metrics</c>
/// (vault/logical_system.go). Portable, except the metrics format answers, which depend on the
/// server's <c>telemetry</c> stanza.
/// </summary>
[TestFixture, CancelAfter(60_000)]
public sealed class HostEndpointTests : ConformanceFixture
{
    [Test]
    public async Task HostInfo_HasVaultsParts_AndNeedsReadOnItsPath(CancellationToken ct)
    {
        var r = await Http.GetAsync("sys/host-info", Root, ct);
        var weak = await TokenAsync(ct, "default");
        var denied = await Http.GetAsync("sys/host-info", weak, ct);
        var reader = await TokenAsync(ct, await PolicyAsync("""path "sys/host-info" { capabilities = ["read"] }""", ct));
        var allowed = await Http.GetAsync("sys/host-info", reader, ct);
        Assert.That(r.Code, Is.EqualTo(200), r.ToString());
        Assert.Multiple(() =>
        {
            Assert.That(r.Data!["host"]!["hostname"]!.GetValue<string>(), Is.Not.Empty);
            Assert.That(r.Data!["host"]!["uptime"]!.GetValue<ulong>(), Is.GreaterThan(0UL));
            Assert.That(r.Data!["memory"]!["total"]!.GetValue<ulong>(), Is.GreaterThan(0UL));
            Assert.That(r.Data!["cpu"]!.AsArray(), Is.Not.Empty);
            Assert.That(r.Data!["disk"]!.AsArray(), Is.Not.Empty);
            Assert.That(DateTimeOffset.TryParse(r.Data!["timestamp"]!.GetValue<string>(), out _), Is.True);
            Assert.That(denied.Code, Is.EqualTo(403));
            Assert.That(allowed.Code, Is.EqualTo(200));
        });
    }

    [Test]
    public async Task CountersTokens_CountsServiceTokens(CancellationToken ct)
    {
        var before = await Http.GetAsync("sys/internal/counters/tokens", Root, ct);
        await TokenAsync(ct, "default");
        await TokenAsync(ct, "default");
        var after = await Http.GetAsync("sys/internal/counters/tokens", Root, ct);
        Assert.That(before.Code, Is.EqualTo(200), before.ToString());
        var b = before.Data!["counters"]!["service_tokens"]!["total"]!.GetValue<int>();
        var a = after.Data!["counters"]!["service_tokens"]!["total"]!.GetValue<int>();
        Assert.That(b, Is.GreaterThanOrEqualTo(1), "the root token counts");
        Assert.That(a, Is.GreaterThanOrEqualTo(b + 2));
    }

    [Test]
    public async Task Metrics_Json_IsTheInMemorySummary(CancellationToken ct)
    {
        var r = await Http.GetAsync("sys/metrics", Root, ct);
        var weak = await Http.GetAsync("sys/metrics", await TokenAsync(ct, "default"), ct);
        Assert.That(r.Code, Is.EqualTo(200), r.ToString());
        Assert.Multiple(() =>
        {
            Assert.That(r.Json!["Timestamp"]!.GetValue<string>(), Does.EndWith("+0000 UTC"));
            Assert.That(r.Json!["Gauges"], Is.InstanceOf<JsonArray>());
            Assert.That(r.Json!["Counters"], Is.InstanceOf<JsonArray>());
            Assert.That(r.Json!["Samples"], Is.InstanceOf<JsonArray>());
            Assert.That(weak.Code, Is.EqualTo(403));
        });
    }

    [Test, Category("DoubleOnly")]
    public async Task Metrics_PrometheusWithoutTelemetry_And_UnknownFormat_Are400Text(CancellationToken ct)
    {
        DoubleOnly("a real server's answer depends on its telemetry stanza");
        var prom = await Http.GetAsync("sys/metrics?format=prometheus", Root, ct);
        var other = await Http.GetAsync("sys/metrics?format=xml", Root, ct);
        var post = await Http.PostAsync("sys/metrics", null, Root, ct);
        Assert.Multiple(() =>
        {
            Assert.That(prom.Code, Is.EqualTo(400));
            Assert.That(prom.Text, Is.EqualTo("prometheus is not enabled"));
            Assert.That(other.Code, Is.EqualTo(400));
            Assert.That(other.Text, Is.EqualTo("metric response format \"xml\" unknown"));
            Assert.That(post.Code, Is.EqualTo(405));
        });
    }
}
