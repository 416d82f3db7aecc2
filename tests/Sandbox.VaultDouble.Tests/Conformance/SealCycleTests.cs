using System.Net;
using System.Text.Json.Nodes;
using Sandbox.VaultDouble.Tests.Infrastructure;

namespace Sandbox.VaultDouble.Tests.Conformance;

/// <summary>
/// §1.5, §1.6, §2 on a running server: health while active, seal → 503 everywhere → unseal with the
/// key → data back. Portable: against a real Vault it needs VAULT_UNSEAL_KEY (threshold 1).
/// </summary>
[TestFixture, CancelAfter(60_000)]
public sealed class SealCycleTests : ConformanceFixture
{
    [Test]
    public async Task Active_HealthIs200_WithClusterFields_AndActivecodeOverrides(CancellationToken ct)
    {
        var plain = await Http.GetAsync("sys/health", null, ct);
        var over = await Http.GetAsync("sys/health?activecode=299", null, ct);
        var standbyOk = await Http.GetAsync("sys/health?standbyok=true", null, ct);
        var bad = await Http.GetAsync("sys/health?activecode=x", null, ct);
        using var head = new HttpRequestMessage(HttpMethod.Head, "/v1/sys/health");
        var headResponse = await Http.SendAsync(head, ct);
        Assert.Multiple(() =>
        {
            Assert.That(plain.Code, Is.EqualTo(200));
            Assert.That(plain.Json!["initialized"]!.GetValue<bool>(), Is.True);
            Assert.That(plain.Json!["sealed"]!.GetValue<bool>(), Is.False);
            Assert.That(plain.Json!["standby"]!.GetValue<bool>(), Is.False);
            Assert.That(plain.Json!["cluster_name"]!.GetValue<string>(), Is.Not.Empty);
            Assert.That(plain.Json!["cluster_id"]!.GetValue<string>(), Is.Not.Empty);
            Assert.That(plain.Json!["replication_dr_mode"]!.GetValue<string>(), Is.EqualTo("disabled"));
            Assert.That(over.Code, Is.EqualTo(299));
            Assert.That(standbyOk.Code, Is.EqualTo(200));
            Assert.That(bad.Code, Is.EqualTo(400));
            Assert.That(headResponse.Status, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(headResponse.Text, Is.Empty);
        });
    }

    [Test]
    public async Task Unsealed_SealStatusHasClusterFields_AndLeaderAnswers(CancellationToken ct)
    {
        var status = await Http.GetAsync("sys/seal-status", null, ct);
        var leader = await Http.GetAsync("sys/leader", null, ct);
        Assert.That(status.Json!["sealed"]!.GetValue<bool>(), Is.False);
        Assert.That(status.Json!["cluster_name"]!.GetValue<string>(), Is.Not.Empty);
        Assert.That(leader.Code, Is.EqualTo(200));
        Assert.That(leader.Json!.AsObject().ContainsKey("ha_enabled"), Is.True);
    }

    [Test]
    public async Task SealThenUnseal_KeepsDataAndTokens(CancellationToken ct)
    {
        if (Target.UnsealKey is null)
        {
            Assert.Ignore("set VAULT_UNSEAL_KEY (threshold 1) to run the seal cycle against a real Vault");
        }

        var kv = await MountAsync("kv-v2", ct);
        await Http.PostAsync($"{kv}/data/app/config", new JsonObject { ["data"] = new JsonObject { ["user"] = "app" } }, Root, ct);
        var child = await TokenAsync(ct, "default");

        var seal = await Http.PutAsync("sys/seal", null, Root, ct);
        var read = await Http.GetAsync($"{kv}/data/app/config", Root, ct);
        var lookup = await Http.GetAsync("auth/token/lookup-self", child, ct);
        var health = await Http.GetAsync("sys/health", null, ct);
        var status = await Http.GetAsync("sys/seal-status", null, ct);
        Assert.Multiple(() =>
        {
            Assert.That(seal.Code, Is.EqualTo(204));
            Assert.That(read.Code, Is.EqualTo(503));
            Assert.That(read.Errors, Has.Some.Contains("Vault is sealed"));
            Assert.That(lookup.Code, Is.EqualTo(503));
            Assert.That(health.Code, Is.EqualTo(503));
            Assert.That(status.Json!["sealed"]!.GetValue<bool>(), Is.True);
            Assert.That(status.Json!["cluster_name"], Is.Null);
        });

        var unseal = await Fresh.UnsealAsync(Http, Target.UnsealKey, ct);
        var after = await Http.GetAsync($"{kv}/data/app/config", Root, ct);
        var childAfter = await Http.GetAsync("auth/token/lookup-self", child, ct);
        Assert.Multiple(() =>
        {
            Assert.That(unseal.Json!["sealed"]!.GetValue<bool>(), Is.False);
            Assert.That(after.Data!["data"]!["user"]!.GetValue<string>(), Is.EqualTo("app"));
            Assert.That(childAfter.Code, Is.EqualTo(200));
        });
    }
}
