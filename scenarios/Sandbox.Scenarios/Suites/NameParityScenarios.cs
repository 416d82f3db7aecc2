using NUnit.Framework;
using Sandbox.Harness.Reporting;
using Sandbox.Harness.Replay;
using Sandbox.Harness.Runtimes;
using Sandbox.Harness.Topology;
using Sandbox.Harness.Vault.Models;
using Sandbox.Scenarios.Infrastructure;

namespace Sandbox.Scenarios.Suites;

/// <summary>
/// Name parity: replay's own checks run as a suite. The sandbox gets production's names from
/// <c>fixtures/topology.yaml</c>; a second replay changes nothing; the drift check finds none;
/// every name behaves as in production (<see cref="NameParityCheck"/>: each role's token can do
/// what its policy says and nothing else, bad CI tokens are refused); a change made by hand is
/// named by the drift check and repaired by replay.
/// </summary>
[TestFixture]
[Category("NameParity")]
[NonParallelizable]
public sealed class NameParityScenarios : AppWorldSuite
{

    protected override string SuiteName => "name-parity";

    [Test]
    [CancelAfter(120_000)]
    public async Task Replay_writes_every_name_then_a_second_replay_changes_nothing_and_no_drift_remains(CancellationToken cancellationToken)
    {
        Timeline.EnterPhase(ScenarioPhase.SteadyState);
        Assert.That(App.Replay.ChangeCount, Is.GreaterThan(0), "the first replay created the names");
        Timeline.Observe($"first replay: {App.Replay.Summary}");

        var second = await new TopologyReplayer(Sandbox.Root, Env.Guard).ReplayAsync(App.Topology, App.ReplayOptions, cancellationToken);
        Assert.That(second.ChangeCount, Is.Zero, "replay is idempotent: " + second);
        Timeline.Observe($"second replay: {second.Summary}");

        var drift = await new ObservedStateReader(Sandbox.Root).CompareAsync(TopologyPlan.From(App.Topology), App.ReplayOptions.Parts, cancellationToken);
        Assert.That(drift.HasDrift, Is.False, drift.ToString());
        Assert.That(drift.Compared, Is.GreaterThan(0));
        Timeline.Asserted($"no drift across {drift.Compared} compared names");
        await AssertSteadyStateAsync(Sandbox, cancellationToken);
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task Every_name_behaves_as_in_production(CancellationToken cancellationToken)
    {
        Timeline.EnterPhase(ScenarioPhase.SteadyState);
        var parity = await new NameParityCheck(Sandbox.Root, Env.Guard).RunAsync(
            App.Topology,
            new NameParityOptions { Parts = App.ReplayOptions.Parts, Issuer = App.JwtIssuer, ServiceAccountTokens = App.ClusterServiceAccountTokens },
            cancellationToken);
        Assert.That(parity.Passed, Is.True, parity.Describe(all: false));
        Assert.That(parity.Probes, Has.Some.Matches<ParityProbe>(p => p.Path == $"{AppWorld.DbMount}/creds/{AppWorld.App}" && p.Actual == ProbeAccess.Granted),
            "the app's pods can get database credentials");
        Assert.That(parity.Probes.Where(p => p.Actual == ProbeAccess.Denied), Is.Not.Empty, "the check also proves what is refused");
        Timeline.Asserted($"{parity.Probes.Count} parity probes passed ({parity.Probes.Count(p => p.Actual == ProbeAccess.Denied)} of them refusals)");

        var again = await new TopologyReplayer(Sandbox.Root, Env.Guard).ReplayAsync(App.Topology, App.ReplayOptions, cancellationToken);
        Assert.That(again.ChangeCount, Is.Zero, "the parity check left nothing behind: " + again);
        await AssertSteadyStateAsync(Sandbox, cancellationToken);
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task A_hand_change_is_named_by_the_drift_check_and_repaired_by_replay(CancellationToken cancellationToken)
    {
        var root = Sandbox.Root;
        Timeline.EnterPhase(ScenarioPhase.Fault);
        Timeline.Fault($"by hand: widen policy {AppWorld.App} and change the {AppWorld.App} database role's max_ttl");
        var policy = await root.ReadPolicyAsync(AppWorld.App, cancellationToken);
        await root.WritePolicyAsync(AppWorld.App, policy!.Policy + "\npath \"kvv2/data/*\" { capabilities = [\"read\"] }\n", cancellationToken);
        await root.DatabaseWriteRoleAsync(AppWorld.DbMount, AppWorld.App, App.ReplayedRole with { MaxTtl = TimeSpan.FromHours(48) }, cancellationToken);

        var plan = TopologyPlan.From(App.Topology);
        var drift = await new ObservedStateReader(root).CompareAsync(plan, App.ReplayOptions.Parts, cancellationToken);
        var named = drift.Items.Select(i => i.Name).ToList();
        Assert.That(named, Does.Contain($"{AppWorld.DbMount}/roles/{AppWorld.App}"), drift.ToString());
        Assert.That(named.Any(n => n.Contains("policy", StringComparison.OrdinalIgnoreCase) || n.EndsWith("/" + AppWorld.App, StringComparison.Ordinal) || n == AppWorld.App), Is.True, drift.ToString());
        Timeline.Observe($"drift check names {drift.Items.Count} item(s): {string.Join(", ", named)}");

        Timeline.EnterPhase(ScenarioPhase.Recovery);
        var repaired = await new TopologyReplayer(root, Env.Guard).ReplayAsync(App.Topology, App.ReplayOptions, cancellationToken);
        Assert.That(repaired.ChangeCount, Is.EqualTo(2), "replay rewrites exactly the two changed names: " + repaired);
        Timeline.Recover($"replay repaired: {repaired.Summary}");
        var after = await new ObservedStateReader(root).CompareAsync(plan, App.ReplayOptions.Parts, cancellationToken);
        Assert.That(after.HasDrift, Is.False, after.ToString());

        Timeline.EnterPhase(ScenarioPhase.SteadyState);
        await AssertSteadyStateAsync(Sandbox, cancellationToken);
    }
}
