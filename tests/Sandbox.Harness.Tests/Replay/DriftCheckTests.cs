using NUnit.Framework;
using Sandbox.Harness.Replay;
using Sandbox.Harness.Topology;
using Sandbox.Harness.Vault;
using Sandbox.Harness.Vault.Models;

namespace Sandbox.Harness.Tests.Replay;

/// <summary>
/// The drift check against the double: clean right after replay, and each change made by hand is
/// named in the diff. Each test starts from a replayed (clean) sandbox and undoes its change.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class DriftCheckTests
{
    private ReplaySandbox? _sandbox;

    private ReplaySandbox Sandbox => _sandbox ?? throw new InvalidOperationException("no sandbox");

    private TopologyPlan Plan => TopologyPlan.From(Sandbox.Topology);

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        _sandbox = await ReplaySandbox.StartAsync(cts.Token);
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        if (_sandbox is not null)
        {
            await _sandbox.DisposeAsync();
        }
    }

    [SetUp]
    public async Task ReplayAsync()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await Sandbox.Replayer().ReplayAsync(Sandbox.Topology, new ReplayOptions(), cts.Token);
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task Check_RightAfterReplay_FindsNoDrift(CancellationToken cancellationToken)
    {
        var report = await Sandbox.Reader().CompareAsync(Plan, ReplayParts.Core, cancellationToken);

        Assert.That(report.HasDrift, Is.False, report.ToString());
        Assert.That(report.Compared, Is.EqualTo(4 + 2 + 6 + 3), "mounts, auth methods, policies and transit keys were compared");
        Assert.That(report.ToString(), Does.StartWith("no drift"));
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task Check_AfterAPolicyIsDeletedByHand_NamesIt(CancellationToken cancellationToken)
    {
        await Sandbox.Root.DeletePolicyAsync("erp-ops", cancellationToken);

        var report = await Sandbox.Reader().CompareAsync(Plan, ReplayParts.Core, cancellationToken);

        Assert.That(report.Items.Select(i => $"{i.Kind} {i.Category} {i.Name}"), Is.EqualTo(new[] { "Missing policy erp-ops" }));
        Assert.That(report.ToString(), Does.Contain("missing    policy erp-ops"));
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task Check_AfterAPolicyIsWidenedByHand_ShowsTheGainedPath(CancellationToken cancellationToken)
    {
        var text = Sandbox.Topology.Apps.Single(a => a.Slug == "webapp").Policies["webapp"];
        await Sandbox.Root.WritePolicyAsync("webapp", text + "\npath \"kvv2/data/*\" { capabilities = [\"read\", \"list\"] }\n", cancellationToken);

        var report = await Sandbox.Reader().CompareAsync(Plan, ReplayParts.Core, cancellationToken);

        var item = report.Items.Single();
        Assert.That((item.Kind, item.Category, item.Name), Is.EqualTo((DriftKind.Different, "policy", "webapp")));
        Assert.That(item.Details, Has.Some.Contain("kvv2/data/*"));
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task Check_AfterAMountIsAddedByHand_NamesItAsUnexpected(CancellationToken cancellationToken)
    {
        await Sandbox.Root.EnableSecretsEngineAsync("scratch", MountRequest.KvV2(), cancellationToken);
        try
        {
            var report = await Sandbox.Reader().CompareAsync(Plan, ReplayParts.Core, cancellationToken);

            Assert.That(report.Items.Select(i => $"{i.Kind} {i.Category} {i.Name}"), Is.EqualTo(new[] { "Unexpected mount scratch/" }));
        }
        finally
        {
            await Sandbox.Root.DisableSecretsEngineAsync("scratch", CancellationToken.None);
        }
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task Check_AfterATransitKeyIsAddedAndAnAuthMethodRemoved_NamesBoth(CancellationToken cancellationToken)
    {
        await Sandbox.Root.TransitCreateKeyAsync("transit", "stray-key", cancellationToken: cancellationToken);
        await Sandbox.Root.DisableAuthMethodAsync("jwt", cancellationToken);
        try
        {
            var report = await Sandbox.Reader().CompareAsync(Plan, ReplayParts.Core, cancellationToken);

            Assert.That(report.Items.Select(i => $"{i.Kind} {i.Category} {i.Name}"),
                Is.EquivalentTo(new[] { "Missing auth jwt/", "Unexpected transit key transit/keys/stray-key" }));
        }
        finally
        {
            // Transit keys cannot be deleted without a config change; drop the mount, the next replay recreates it.
            await Sandbox.Root.DisableSecretsEngineAsync("transit", CancellationToken.None);
        }
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task Check_AfterAKubernetesRoleIsChangedByHand_NamesTheField(CancellationToken cancellationToken)
    {
        var role = Plan.KubernetesRoles.Single(r => r.Name == "webapp");
        await Sandbox.Root.KubernetesWriteRoleAsync("kubernetes", "webapp", new KubernetesRole
        {
            BoundServiceAccountNames = role.BoundServiceAccountNames,
            BoundServiceAccountNamespaces = role.BoundServiceAccountNamespaces,
            TokenPolicies = ["webapp", "erp"],
            TokenTtl = TimeSpan.FromSeconds(role.TokenTtlSeconds ?? 0),
            TokenMaxTtl = TimeSpan.FromSeconds(role.TokenMaxTtlSeconds ?? 0),
        }, cancellationToken);

        var report = await Sandbox.Reader().CompareAsync(Plan, ReplayParts.Core | ReplayParts.KubernetesAuth, cancellationToken);

        var item = report.Items.Single(i => i.Name == "auth/kubernetes/role/webapp");
        Assert.That(item.Kind, Is.EqualTo(DriftKind.Different));
        Assert.That(item.Details, Has.Some.StartWith("token_policies"));
    }
}
