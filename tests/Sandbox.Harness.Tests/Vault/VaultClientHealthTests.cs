using NUnit.Framework;
using System.Net;
using Sandbox.Harness.Tests.Support;
using Sandbox.Harness.Vault;
using Sandbox.Harness.Vault.Models;

namespace Sandbox.Harness.Tests.Vault;

[TestFixture]
public sealed class VaultClientHealthTests
{
    private static string Body(bool initialized, bool sealedState, bool standby) =>
        $$"""{"initialized":{{(initialized ? "true" : "false")}},"sealed":{{(sealedState ? "true" : "false")}},"standby":{{(standby ? "true" : "false")}},"performance_standby":false,"replication_performance_mode":"disabled","replication_dr_mode":"disabled","server_time_utc":1764320000,"version":"1.21.0","enterprise":false,"echo_duration_ms":1,"clock_skew_ms":0}""";

    [TestCase(200, true, false, false)]
    [TestCase(429, true, false, true)]
    [TestCase(472, true, false, true)]
    [TestCase(473, true, false, true)]
    [TestCase(501, false, true, false)]
    [TestCase(503, true, true, false)]
    [TestCase(530, true, false, false)]
    [CancelAfter(10_000)]
    public async Task Health_ReturnsEveryStatusCodeWithItsBody_WithoutThrowingOrRetrying(int code, bool initialized, bool sealedState, bool standby, CancellationToken cancellationToken)
    {
        await using var server = new LoopbackHttpServer(_ => CannedResponse.Json(code, Body(initialized, sealedState, standby)));
        using var http = new HttpClient();
        var client = VaultTestClients.For(server, http);

        var health = await client.GetHealthAsync(cancellationToken: cancellationToken);

        Assert.Multiple(() =>
        {
            Assert.That(health.Code, Is.EqualTo(code));
            Assert.That(health.IsActive, Is.EqualTo(code == 200));
            Assert.That(health.Status, Is.Not.Null);
            Assert.That(health.Status!.Initialized, Is.EqualTo(initialized));
            Assert.That(health.Status.Sealed, Is.EqualTo(sealedState));
            Assert.That(health.Status.Standby, Is.EqualTo(standby));
            Assert.That(health.Status.Version, Is.EqualTo("1.21.0"));
            Assert.That(server.RequestCount, Is.EqualTo(1), "a health status code is an answer, not a failure to retry");
        });
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task Health_SendsQueryOverrides(CancellationToken cancellationToken)
    {
        await using var server = new LoopbackHttpServer(_ => CannedResponse.Json(299, Body(true, true, false)));
        using var http = new HttpClient();
        var client = VaultTestClients.For(server, http);

        var health = await client.GetHealthAsync(new HealthQuery { StandbyOk = true, SealedCode = 299, UninitCode = 298, PerformanceStandbyCode = 297 }, cancellationToken);

        Assert.That(health.Code, Is.EqualTo(299));
        Assert.That(server.Requests[0].Path, Is.EqualTo("/v1/sys/health"));
        Assert.That(server.Requests[0].Query, Is.EqualTo("standbyok=true&performancestandbycode=297&sealedcode=299&uninitcode=298"));
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task Health_WithBadOverride_400ErrorBody_Throws(CancellationToken cancellationToken)
    {
        await using var server = new LoopbackHttpServer(_ => CannedResponse.Json(400, """{"errors":[]}"""));
        using var http = new HttpClient();
        var client = VaultTestClients.For(server, http);

        var ex = Assert.ThrowsAsync<VaultApiException>(() => client.GetHealthAsync(new HealthQuery { ActiveCode = 200 }, cancellationToken));

        Assert.That(ex!.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task Health_WithNonJsonBody_ThrowsMalformed(CancellationToken cancellationToken)
    {
        await using var server = new LoopbackHttpServer(_ => new CannedResponse(503, "<html>maintenance</html>") { ContentType = "text/html" });
        using var http = new HttpClient();
        var client = VaultTestClients.For(server, http);

        var ex = Assert.ThrowsAsync<VaultApiException>(() => client.GetHealthAsync(cancellationToken: cancellationToken));

        Assert.That(ex!.Message, Does.Contain("could not be read"));
        Assert.That(ex, Is.Not.InstanceOf<VaultSealedException>());
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task Health_WithEmptyBody_ReturnsCodeAndNullStatus(CancellationToken cancellationToken)
    {
        await using var server = new LoopbackHttpServer(_ => new CannedResponse(503));
        using var http = new HttpClient();
        var client = VaultTestClients.For(server, http);

        var health = await client.GetHealthAsync(cancellationToken: cancellationToken);

        Assert.That(health.Code, Is.EqualTo(503));
        Assert.That(health.Status, Is.Null);
    }
}
