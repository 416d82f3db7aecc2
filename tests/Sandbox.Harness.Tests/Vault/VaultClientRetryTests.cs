using NUnit.Framework;
using System.Net;
using System.Text.Json.Nodes;
using Sandbox.Harness.Tests.Support;
using Sandbox.Harness.Vault;
using Sandbox.Harness.Vault.Models;

namespace Sandbox.Harness.Tests.Vault;

[TestFixture]
public sealed class VaultClientRetryTests
{
    private const string SealStatusBody = """{"type":"shamir","initialized":true,"sealed":false,"t":1,"n":1,"progress":0,"nonce":"","version":"1.21.0","migration":false,"recovery_seal":false,"storage_type":"file","build_date":"2026-01-01T00:00:00Z"}""";

    [Test]
    [CancelAfter(10_000)]
    public async Task Read_IsRetriedOnTransient500s_ThenSucceeds(CancellationToken cancellationToken)
    {
        await using var server = new LoopbackHttpServer((_, index, _) => Task.FromResult(
            index <= 2 ? CannedResponse.Json(500, """{"errors":["1 error occurred:\n\t* internal error\n\n"]}""") : CannedResponse.Json(200, SealStatusBody)));
        using var http = new HttpClient();
        var logger = new CapturingLogger();
        var client = VaultTestClients.For(server, http, logger: logger);

        var status = await client.GetSealStatusAsync(cancellationToken);

        Assert.That(status.Sealed, Is.False);
        Assert.That(status.BuildDate, Is.Not.Null);
        Assert.That(server.RequestCount, Is.EqualTo(3));
        Assert.That(logger.Lines.Count(l => l.Contains("retry", StringComparison.OrdinalIgnoreCase)), Is.EqualTo(2));
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task Read_GivesUpAfterTheRetryBudget_AndReportsTheLastAnswer(CancellationToken cancellationToken)
    {
        await using var server = new LoopbackHttpServer(_ => CannedResponse.Json(502, """{"errors":["upstream"]}"""));
        using var http = new HttpClient();
        var client = VaultTestClients.For(server, http);

        var ex = Assert.ThrowsAsync<VaultApiException>(() => client.ListSecretsEnginesAsync(cancellationToken));

        Assert.That(ex!.StatusCode, Is.EqualTo(HttpStatusCode.BadGateway));
        Assert.That(server.RequestCount, Is.EqualTo(1 + VaultTestClients.FastOptions.ReadRetryCount));
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task Read_IsNotRetriedOn4xxOr501(CancellationToken cancellationToken)
    {
        await using var server = new LoopbackHttpServer(r => r.Path.EndsWith("mounts", StringComparison.Ordinal)
            ? CannedResponse.Json(400, """{"errors":["bad"]}""")
            : CannedResponse.Json(501, """{"errors":[]}"""));
        using var http = new HttpClient();
        var client = VaultTestClients.For(server, http);

        Assert.ThrowsAsync<VaultApiException>(() => client.ListSecretsEnginesAsync(cancellationToken));
        Assert.ThrowsAsync<VaultApiException>(() => client.GetSealStatusAsync(cancellationToken));

        Assert.That(server.RequestCount, Is.EqualTo(2));
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task Read_IsRetriedOnStandby503_NodeIsNotActive(CancellationToken cancellationToken)
    {
        await using var server = new LoopbackHttpServer((_, index, _) => Task.FromResult(
            index == 1 ? CannedResponse.Json(503, """{"errors":["node is not active"]}""") : CannedResponse.Json(200, """{"data":{"keys":["app/"]}}""")));
        using var http = new HttpClient();
        var client = VaultTestClients.For(server, http);

        var keys = await client.KvV2ListAsync("kvv2", cancellationToken: cancellationToken);

        Assert.That(keys, Is.EqualTo(new[] { "app/" }));
        Assert.That(server.RequestCount, Is.EqualTo(2));
        Assert.That(server.Requests[1].Query, Is.EqualTo("list=true"));
        Assert.That(server.Requests[1].Path, Is.EqualTo("/v1/kvv2/metadata/"));
    }

    private static IEnumerable<TestCaseData> NeverRetried()
    {
        yield return new TestCaseData((Func<VaultClient, CancellationToken, Task>)((c, ct) => c.InitAsync(1, 1, ct))).SetArgDisplayNames("init");
        yield return new TestCaseData((Func<VaultClient, CancellationToken, Task>)((c, ct) => c.UnsealAsync("00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff", ct))).SetArgDisplayNames("unseal");
        yield return new TestCaseData((Func<VaultClient, CancellationToken, Task>)((c, ct) => c.ResetUnsealAsync(ct))).SetArgDisplayNames("unseal-reset");
        yield return new TestCaseData((Func<VaultClient, CancellationToken, Task>)((c, ct) => c.SealAsync(ct))).SetArgDisplayNames("seal");
        yield return new TestCaseData((Func<VaultClient, CancellationToken, Task>)((c, ct) => c.KvV2WriteAsync("kvv2", "a", new JsonObject { ["k"] = "v" }, cancellationToken: ct))).SetArgDisplayNames("kv2-write");
        yield return new TestCaseData((Func<VaultClient, CancellationToken, Task>)((c, ct) => c.KvV1WriteAsync("kv1", "a", new JsonObject { ["k"] = "v" }, ct))).SetArgDisplayNames("kv1-write");
        yield return new TestCaseData((Func<VaultClient, CancellationToken, Task>)((c, ct) => c.WritePolicyAsync("p", "path \"a\" {}", ct))).SetArgDisplayNames("policy-write");
        yield return new TestCaseData((Func<VaultClient, CancellationToken, Task>)((c, ct) => c.EnableSecretsEngineAsync("kvv2", MountRequest.KvV2(), ct))).SetArgDisplayNames("mount");
        yield return new TestCaseData((Func<VaultClient, CancellationToken, Task>)((c, ct) => c.CreateTokenAsync(null, ct))).SetArgDisplayNames("token-create");
        yield return new TestCaseData((Func<VaultClient, CancellationToken, Task>)((c, ct) => c.RenewLeaseAsync("postgres/creds/app/x", null, ct))).SetArgDisplayNames("lease-renew");
        yield return new TestCaseData((Func<VaultClient, CancellationToken, Task>)((c, ct) => c.DatabaseGetCredentialsAsync("postgres", "app", ct))).SetArgDisplayNames("db-creds (a GET that mints)");
        yield return new TestCaseData((Func<VaultClient, CancellationToken, Task>)((c, ct) => c.TransitEncryptAsync("transit", "k", new byte[] { 1 }, ct))).SetArgDisplayNames("transit-encrypt");
        yield return new TestCaseData((Func<VaultClient, CancellationToken, Task>)((c, ct) => c.JwtLoginAsync("jwt", "gitea_cicd_app", "x.y.z", ct))).SetArgDisplayNames("jwt-login");
        yield return new TestCaseData((Func<VaultClient, CancellationToken, Task>)((c, ct) => c.KubernetesLoginAsync("kubernetes", "app", "x.y.z", ct))).SetArgDisplayNames("k8s-login");
    }

    [TestCaseSource(nameof(NeverRetried))]
    [CancelAfter(10_000)]
    public async Task NonIdempotentCall_On500_IsSentExactlyOnce(Func<VaultClient, CancellationToken, Task> call, CancellationToken cancellationToken)
    {
        await using var server = new LoopbackHttpServer(_ => CannedResponse.Json(500, """{"errors":["internal error"]}"""));
        using var http = new HttpClient();
        var client = VaultTestClients.For(server, http);

        var ex = Assert.ThrowsAsync<VaultApiException>(() => call(client, cancellationToken));

        Assert.That(ex!.StatusCode, Is.EqualTo(HttpStatusCode.InternalServerError));
        Assert.That(server.RequestCount, Is.EqualTo(1));
    }

    [TestCaseSource(nameof(NeverRetried))]
    [CancelAfter(10_000)]
    public async Task NonIdempotentCall_OnDroppedConnection_IsSentExactlyOnce(Func<VaultClient, CancellationToken, Task> call, CancellationToken cancellationToken)
    {
        await using var server = new LoopbackHttpServer(_ => new CannedResponse(200) { DropConnection = true });
        using var http = new HttpClient();
        var client = VaultTestClients.For(server, http);

        var ex = Assert.ThrowsAsync<VaultUnreachableException>(() => call(client, cancellationToken));

        Assert.That(ex!.TimedOut, Is.False);
        Assert.That(server.RequestCount, Is.EqualTo(1));
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task Read_OnDroppedConnections_IsRetried_ThenReportsUnreachable(CancellationToken cancellationToken)
    {
        await using var server = new LoopbackHttpServer(_ => new CannedResponse(200) { DropConnection = true });
        using var http = new HttpClient();
        var client = VaultTestClients.For(server, http);

        var ex = Assert.ThrowsAsync<VaultUnreachableException>(() => client.GetSealStatusAsync(cancellationToken));

        Assert.That(server.RequestCount, Is.EqualTo(1 + VaultTestClients.FastOptions.ReadRetryCount));
        Assert.That(ex!.Message, Does.Contain("after 3 attempts"));
    }

    [Test]
    [CancelAfter(15_000)]
    public void ConnectionRefused_ThrowsVaultUnreachableNamingTheAddress(CancellationToken cancellationToken)
    {
        var address = new Uri($"http://127.0.0.1:{LoopbackHttpServer.FreePort()}/");
        using var http = new HttpClient();
        var client = VaultTestClients.For(address, http);

        var ex = Assert.ThrowsAsync<VaultUnreachableException>(() => client.GetSealStatusAsync(cancellationToken));

        Assert.Multiple(() =>
        {
            Assert.That(ex!.Address, Is.EqualTo(address));
            Assert.That(ex.TimedOut, Is.False);
            Assert.That(ex.ExitCode, Is.EqualTo(ExitCode.VaultError));
            Assert.That(ex.Message, Does.Contain(address.ToString()).And.Contain("/v1/sys/seal-status").And.Contain("sandbox status"));
            Assert.That(ex.Message, Does.Not.Contain(VaultTestClients.Token));
        });
    }

    [Test]
    [CancelAfter(15_000)]
    public async Task SlowRead_TimesOutPerAttempt_IsRetried_ThenThrowsTimedOut(CancellationToken cancellationToken)
    {
        await using var server = new LoopbackHttpServer(_ => CannedResponse.Json(200, SealStatusBody) with { Delay = TimeSpan.FromSeconds(30) });
        using var http = new HttpClient();
        var options = VaultTestClients.FastOptions with { ReadAttemptTimeout = TimeSpan.FromSeconds(1), ReadRetryCount = 1 };
        var client = VaultTestClients.For(server, http, options);

        var ex = Assert.ThrowsAsync<VaultUnreachableException>(() => client.GetSealStatusAsync(cancellationToken));

        Assert.Multiple(() =>
        {
            Assert.That(ex!.TimedOut, Is.True);
            Assert.That(ex.ExitCode, Is.EqualTo(ExitCode.Timeout));
            Assert.That(ex.Message, Does.Contain("did not answer").And.Contain("within 1 s"));
            Assert.That(server.RequestCount, Is.EqualTo(2));
        });
    }

    [Test]
    [CancelAfter(15_000)]
    public async Task SlowRead_StopsAtTheTotalTimeout(CancellationToken cancellationToken)
    {
        await using var server = new LoopbackHttpServer(_ => CannedResponse.Json(200, SealStatusBody) with { Delay = TimeSpan.FromSeconds(30) });
        using var http = new HttpClient();
        var options = VaultTestClients.FastOptions with { ReadAttemptTimeout = TimeSpan.FromSeconds(5), ReadTotalTimeout = TimeSpan.FromSeconds(1.5), ReadRetryCount = 5 };
        var client = VaultTestClients.For(server, http, options);

        var ex = Assert.ThrowsAsync<VaultUnreachableException>(() => client.GetSealStatusAsync(cancellationToken));

        Assert.That(ex!.TimedOut, Is.True);
        Assert.That(ex.Message, Does.Contain("within 1.5 s"));
        Assert.That(server.RequestCount, Is.EqualTo(1));
    }

    [Test]
    [CancelAfter(15_000)]
    public async Task SlowUnseal_TimesOutOnce_AndIsNotRetried(CancellationToken cancellationToken)
    {
        await using var server = new LoopbackHttpServer(_ => CannedResponse.Json(200, SealStatusBody) with { Delay = TimeSpan.FromSeconds(30) });
        using var http = new HttpClient();
        var client = VaultTestClients.For(server, http, VaultTestClients.FastOptions with { WriteTimeout = TimeSpan.FromSeconds(1) });

        var ex = Assert.ThrowsAsync<VaultUnreachableException>(() => client.UnsealAsync("00112233445566778899aabbccddeeff", cancellationToken));

        Assert.That(ex!.TimedOut, Is.True);
        await Task.Delay(300, cancellationToken);
        Assert.That(server.RequestCount, Is.EqualTo(1), "a timed-out unseal is not sent again");
    }

    [Test]
    [CancelAfter(15_000)]
    public async Task Cancellation_DuringARead_SurfacesAsOperationCanceled(CancellationToken cancellationToken)
    {
        var arrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = new LoopbackHttpServer((_, _, _) =>
        {
            arrived.TrySetResult();
            return Task.FromResult(CannedResponse.Json(200, SealStatusBody) with { Delay = TimeSpan.FromSeconds(30) });
        });
        using var http = new HttpClient();
        var client = VaultTestClients.For(server, http);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);

        var call = client.GetSealStatusAsync(cts.Token);
        await arrived.Task.WaitAsync(cancellationToken);
        await cts.CancelAsync();

        Assert.That(async () => await call, Throws.InstanceOf<OperationCanceledException>());
        Assert.That(server.RequestCount, Is.EqualTo(1), "cancellation is not a transient failure");
    }

    [Test]
    [CancelAfter(15_000)]
    public async Task Cancellation_DuringAWrite_SurfacesAsOperationCanceled(CancellationToken cancellationToken)
    {
        var arrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = new LoopbackHttpServer((_, _, _) =>
        {
            arrived.TrySetResult();
            return Task.FromResult(CannedResponse.NoContent() with { Delay = TimeSpan.FromSeconds(30) });
        });
        using var http = new HttpClient();
        var client = VaultTestClients.For(server, http);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);

        var call = client.KvV1WriteAsync("kv1", "a", new JsonObject { ["k"] = "v" }, cts.Token);
        await arrived.Task.WaitAsync(cancellationToken);
        await cts.CancelAsync();

        Assert.That(async () => await call, Throws.InstanceOf<OperationCanceledException>());
        Assert.That(server.RequestCount, Is.EqualTo(1));
    }

    [Test]
    [CancelAfter(10_000)]
    public void AlreadyCancelledToken_SendsNothing(CancellationToken cancellationToken)
    {
        using var http = new HttpClient();
        var client = VaultTestClients.For(new Uri("http://127.0.0.1:1/"), http);

        Assert.That(async () => await client.GetSealStatusAsync(new CancellationToken(canceled: true)), Throws.InstanceOf<OperationCanceledException>());
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task ZeroRetries_MeansOneAttempt(CancellationToken cancellationToken)
    {
        await using var server = new LoopbackHttpServer(_ => CannedResponse.Json(500, """{"errors":["internal"]}"""));
        using var http = new HttpClient();
        var client = VaultTestClients.For(server, http, VaultTestClients.FastOptions with { ReadRetryCount = 0 });

        Assert.ThrowsAsync<VaultApiException>(() => client.GetSealStatusAsync(cancellationToken));

        Assert.That(server.RequestCount, Is.EqualTo(1));
    }

    [Test]
    public void OutOfRangeOptions_AreRefusedByName()
    {
        using var http = new HttpClient();
        var address = new Uri("http://127.0.0.1:8200");

        var attempt = Assert.Throws<ArgumentOutOfRangeException>(() => _ = new VaultClient(address, http, options: VaultClientOptions.Default with { ReadAttemptTimeout = TimeSpan.Zero }));
        var retries = Assert.Throws<ArgumentOutOfRangeException>(() => _ = new VaultClient(address, http, options: VaultClientOptions.Default with { ReadRetryCount = -1 }));
        var write = Assert.Throws<ArgumentOutOfRangeException>(() => _ = new VaultClient(address, http, options: VaultClientOptions.Default with { WriteTimeout = TimeSpan.FromDays(2) }));

        Assert.That(attempt!.ParamName, Is.EqualTo("ReadAttemptTimeout"));
        Assert.That(retries!.ParamName, Is.EqualTo("ReadRetryCount"));
        Assert.That(write!.ParamName, Is.EqualTo("WriteTimeout"));
    }
}
