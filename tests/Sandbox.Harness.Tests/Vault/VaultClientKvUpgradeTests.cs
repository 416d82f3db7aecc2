using System.Net;
using NUnit.Framework;
using Sandbox.Harness.Tests.Support;
using Sandbox.Harness.Vault;
using Sandbox.Harness.Vault.Models;

namespace Sandbox.Harness.Tests.Vault;

/// <summary>
/// A freshly enabled kv v2 mount answers 400 "Upgrading from non-versioned to versioned data…"
/// while it upgrades (vault-plugin-secrets-kv upgrade.go): the client retries exactly that answer.
/// </summary>
[TestFixture]
public sealed class VaultClientKvUpgradeTests
{
    private static readonly string Upgrading = $$"""{"errors":["{{VaultClient.KvUpgradingMessage}}"]}""";

    [Test]
    [CancelAfter(10_000)]
    public async Task EnableKvV2_PollsTheConfigThroughTheUpgradeAnswer_BeforeReturning(CancellationToken cancellationToken)
    {
        await using var server = new LoopbackHttpServer((r, index, _) => Task.FromResult(
            r.Method == "POST" ? CannedResponse.NoContent()
            : index <= 4 ? CannedResponse.Json(400, Upgrading)
            : CannedResponse.Json(200, """{"data":{"max_versions":0,"cas_required":false,"delete_version_after":"0s"}}""")));
        using var http = new HttpClient();
        var client = VaultTestClients.For(server, http, VaultTestClients.FastOptions with { KvUpgradePollInterval = TimeSpan.FromMilliseconds(10) });

        await client.EnableSecretsEngineAsync("kvv2", MountRequest.KvV2(), cancellationToken);

        Assert.That(server.Requests.Select(q => $"{q.Method} {q.Path}"), Is.EqualTo(new[]
        {
            "POST /v1/sys/mounts/kvv2", "GET /v1/kvv2/config", "GET /v1/kvv2/config", "GET /v1/kvv2/config", "GET /v1/kvv2/config",
        }));
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task WaitForKvV2Ready_CountsTheUpgradeAnswers(CancellationToken cancellationToken)
    {
        await using var server = new LoopbackHttpServer((_, index, _) => Task.FromResult(
            index <= 2 ? CannedResponse.Json(400, Upgrading) : CannedResponse.Json(200, """{"data":{}}""")));
        using var http = new HttpClient();
        var client = VaultTestClients.For(server, http, VaultTestClients.FastOptions with { KvUpgradePollInterval = TimeSpan.FromMilliseconds(10) });

        Assert.That(await client.WaitForKvV2ReadyAsync("kvv2", cancellationToken), Is.EqualTo(2));
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task WaitForKvV2Ready_DoesNotRetryAnyOther400(CancellationToken cancellationToken)
    {
        await using var server = new LoopbackHttpServer(_ => CannedResponse.Json(400, """{"errors":["Upgrading from non-versioned data: something else"]}"""));
        using var http = new HttpClient();
        var client = VaultTestClients.For(server, http);

        var e = Assert.ThrowsAsync<VaultApiException>(() => client.WaitForKvV2ReadyAsync("kvv2", cancellationToken))!;

        Assert.That(e.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(server.RequestCount, Is.EqualTo(1));
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task WaitForKvV2Ready_GivesUpAfterItsTimeout_SayingWhichKnobToRaise(CancellationToken cancellationToken)
    {
        await using var server = new LoopbackHttpServer(_ => CannedResponse.Json(400, Upgrading));
        using var http = new HttpClient();
        var client = VaultTestClients.For(server, http, VaultTestClients.FastOptions with
        {
            KvUpgradeTimeout = TimeSpan.FromMilliseconds(300),
            KvUpgradePollInterval = TimeSpan.FromMilliseconds(20),
        });

        var e = Assert.ThrowsAsync<VaultApiException>(() => client.WaitForKvV2ReadyAsync("kvv2", cancellationToken))!;

        Assert.That(e.Message, Does.Contain("still answered after").And.Contain("KvUpgradeTimeout"));
        Assert.That(server.RequestCount, Is.GreaterThan(1));
    }
}
