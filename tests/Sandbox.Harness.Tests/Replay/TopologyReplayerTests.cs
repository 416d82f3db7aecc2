using NUnit.Framework;
using System.Text.Json.Nodes;
using Sandbox.Harness.Policies;
using Sandbox.Harness.Replay;
using Sandbox.Harness.Vault.Models;

namespace Sandbox.Harness.Tests.Replay;

/// <summary>Replay of the fixture topology into the Vault double (a real process), core parts only: the double has no database, JWT or Kubernetes engine in this build.</summary>
[TestFixture]
public sealed class TopologyReplayerTests
{
    [Test]
    [CancelAfter(120_000)]
    public async Task Replay_OnAFreshSandbox_CreatesEveryName_AndASecondRunChangesNothing(CancellationToken cancellationToken)
    {
        await using var sandbox = await ReplaySandbox.StartAsync(cancellationToken);

        var first = await sandbox.Replayer().ReplayAsync(sandbox.Topology, new ReplayOptions(), cancellationToken);

        string[] created = [.. first.Changes.Where(c => c.Kind == ReplayChangeKind.Created).Select(c => $"{c.Category} {c.Name}")];
        Assert.That(created, Is.SupersetOf(new[]
        {
            "mount kvv2/", "mount kv/", "mount transit/", "mount postgres/", "auth kubernetes/", "auth jwt/",
            "policy webapp", "policy webapp-ops", "policy erp", "policy erp-ops", "policy url-shortener", "policy url-shortener-ops",
            "transit key transit/keys/url-shortener",
            "seed kvv2/webapp/config", "seed kvv2/erp/config", "seed kvv2/url-shortener/config",
        }));
        Assert.That(first.Changes.Where(c => c.Kind == ReplayChangeKind.Skipped).Select(c => c.Category),
            Is.EquivalentTo(new[] { "database connection", "kubernetes config", "jwt config" }), "engine parts without inputs are skipped, and listed");

        // What replay wrote is what Vault now holds.
        var mounts = await sandbox.Root.ListSecretsEnginesAsync(cancellationToken);
        Assert.That(mounts["kvv2/"].KvVersion, Is.EqualTo(2));
        Assert.That(mounts["kv/"].KvVersion, Is.EqualTo(1));
        Assert.That(mounts["postgres/"].Type, Is.EqualTo("database"));
        var policy = await sandbox.Root.ReadPolicyAsync("webapp", cancellationToken);
        Assert.That(policy!.Policy, Does.Contain("path \"kvv2/data/webapp/*\""));
        var seed = await sandbox.Root.KvV2ReadAsync("kvv2", "webapp/config", cancellationToken: cancellationToken);
        Assert.That(seed!.Data!["LOG_LEVEL"]!.GetValue<string>(), Is.EqualTo("info"));

        var second = await sandbox.Replayer().ReplayAsync(sandbox.Topology, new ReplayOptions(), cancellationToken);

        Assert.That(second.ChangeCount, Is.Zero, second.ToString());
        Assert.That(second.Summary, Does.StartWith("0 changes"));
        Assert.That(second.Count(ReplayChangeKind.Kept), Is.EqualTo(3), "the three seeds exist and are kept");
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task Replay_NeverOverwritesASeedAnOperatorChanged(CancellationToken cancellationToken)
    {
        await using var sandbox = await ReplaySandbox.StartAsync(cancellationToken);
        await sandbox.Replayer().ReplayAsync(sandbox.Topology, new ReplayOptions(), cancellationToken);
        await sandbox.Root.KvV2WriteAsync("kvv2", "webapp/config", new JsonObject { ["LOG_LEVEL"] = "debug" }, cancellationToken: cancellationToken);

        var again = await sandbox.Replayer().ReplayAsync(sandbox.Topology, new ReplayOptions(), cancellationToken);

        var seed = again.Changes.Single(c => c.Name == "kvv2/webapp/config");
        Assert.That(seed.Kind, Is.EqualTo(ReplayChangeKind.Kept));
        Assert.That(seed.Detail, Does.Contain("version 2").And.Contain("never overwrites"));
        var now = await sandbox.Root.KvV2ReadAsync("kvv2", "webapp/config", cancellationToken: cancellationToken);
        Assert.That(now!.Data!["LOG_LEVEL"]!.GetValue<string>(), Is.EqualTo("debug"));
        Assert.That(now.Metadata.Version, Is.EqualTo(2));
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task Replay_RestoresAWidenedAndADeletedPolicy_AndTouchesNothingElse(CancellationToken cancellationToken)
    {
        await using var sandbox = await ReplaySandbox.StartAsync(cancellationToken);
        await sandbox.Replayer().ReplayAsync(sandbox.Topology, new ReplayOptions(), cancellationToken);
        await sandbox.Root.WritePolicyAsync("webapp", "path \"kvv2/data/*\" { capabilities = [\"read\"] }", cancellationToken);
        await sandbox.Root.DeletePolicyAsync("erp-ops", cancellationToken);

        var result = await sandbox.Replayer().ReplayAsync(sandbox.Topology, new ReplayOptions(), cancellationToken);

        Assert.That(result.Changes.Where(c => c.IsWrite).Select(c => $"{c.Kind} {c.Name}"), Is.EquivalentTo(new[] { "Updated webapp", "Created erp-ops" }));
        Assert.That(result.Changes.Single(c => c.Name == "webapp").Detail, Does.Contain("kvv2/data/*"));
        var restored = await sandbox.Root.ReadPolicyAsync("webapp", cancellationToken);
        var want = PolicyDocument.Parse(sandbox.Topology.Apps.Single(a => a.Slug == "webapp").Policies["webapp"], "topology");
        Assert.That(PolicyDiff.Compare(want, PolicyDocument.Parse(restored!.Policy, "vault")).IsEmpty, Is.True);
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task Replay_StopsOnAMountOfAnotherType_NamingItAndWhereTheTopologySaysSo(CancellationToken cancellationToken)
    {
        await using var sandbox = await ReplaySandbox.StartAsync(cancellationToken);
        await sandbox.Root.EnableSecretsEngineAsync("kvv2", MountRequest.KvV1(), cancellationToken);

        var e = Assert.ThrowsAsync<ReplayException>(() => sandbox.Replayer().ReplayAsync(sandbox.Topology, new ReplayOptions(), cancellationToken));

        Assert.That(e!.Message, Does.Contain("kvv2/").And.Contain("kv v1").And.Contain("kv v2").And.Contain("topology.yaml:"));
        Assert.That(e.ExitCode, Is.EqualTo(ExitCode.Drift));
        var mounts = await sandbox.Root.ListSecretsEnginesAsync(cancellationToken);
        Assert.That(mounts["kvv2/"].KvVersion, Is.EqualTo(1), "replay never remounts");
    }
}
