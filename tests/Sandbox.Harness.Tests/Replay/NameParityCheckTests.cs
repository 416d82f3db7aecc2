using NUnit.Framework;
using Sandbox.Harness.Replay;

namespace Sandbox.Harness.Tests.Replay;

/// <summary>
/// The name parity check against the double. The double in this build has no Kubernetes, JWT or
/// database engine, so the identities are stand-in tokens holding the roles' policies (the check
/// says so in its notes); the login, bad-token and creds probes run through the same code once
/// the engines are merged.
/// </summary>
[TestFixture]
public sealed class NameParityCheckTests
{
    [Test]
    [CancelAfter(120_000)]
    public async Task Check_OnTheReplayedFixtureTopology_Passes(CancellationToken cancellationToken)
    {
        await using var sandbox = await ReplaySandbox.StartAsync(cancellationToken);
        await sandbox.Replayer().ReplayAsync(sandbox.Topology, new ReplayOptions(), cancellationToken);

        var result = await new NameParityCheck(sandbox.Root, sandbox.Guard).RunAsync(sandbox.Topology, new NameParityOptions(), cancellationToken);

        Assert.That(result.Passed, Is.True, result.Describe(all: true));
        Assert.That(result.Probes.Select(p => p.Who).Distinct(), Has.Member("token with policies of kubernetes role webapp").And.Member("token with policies of jwt role gitea_cicd_erp"));
        Assert.That(result.Probes, Has.Some.Matches<ParityProbe>(p => p.Who.EndsWith("role webapp", StringComparison.Ordinal) && p.Path == "kvv2/data/erp/config" && p.Actual == ProbeAccess.Denied));
        Assert.That(result.Probes, Has.Some.Matches<ParityProbe>(p => p.Who.EndsWith("gitea_cicd_webapp", StringComparison.Ordinal) && p.Operation == "write" && p.Path == "kvv2/data/webapp/config" && p.Actual == ProbeAccess.Granted));
        Assert.That(result.Notes, Has.Some.Contain("stands in"));

        // The CI write kept the seed's values (a new version, same data); the runtime write probe wrote nothing.
        var seed = await sandbox.Root.KvV2ReadAsync("kvv2", "webapp/config", cancellationToken: cancellationToken);
        Assert.That(seed!.Data!["LOG_LEVEL"]!.GetValue<string>(), Is.EqualTo("info"));
        Assert.That(seed.Data.ContainsKey("name-parity-probe"), Is.False);
        Assert.That(seed.Metadata.Version, Is.EqualTo(2));
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task Check_WhenAnAppPolicyIsWidenedToEveryApp_FailsNamingThePath(CancellationToken cancellationToken)
    {
        await using var sandbox = await ReplaySandbox.StartAsync(cancellationToken);
        await sandbox.Replayer().ReplayAsync(sandbox.Topology, new ReplayOptions(), cancellationToken);
        var text = sandbox.Topology.Apps.Single(a => a.Slug == "webapp").Policies["webapp"];
        await sandbox.Root.WritePolicyAsync("webapp", text + "\npath \"kvv2/data/*\" { capabilities = [\"read\"] }\n", cancellationToken);

        var result = await new NameParityCheck(sandbox.Root, sandbox.Guard).RunAsync(sandbox.Topology, new NameParityOptions(), cancellationToken);

        Assert.That(result.Passed, Is.False);
        var failure = result.Failures.Single();
        Assert.That((failure.Who, failure.Operation, failure.Path), Is.EqualTo(("token with policies of kubernetes role webapp", "read", "kvv2/data/erp/config")));
        Assert.That(failure.Verdict, Is.EqualTo("NO access expected but got it"));
        Assert.That(result.Describe(), Does.Contain("FAIL").And.Contain("kvv2/data/erp/config").And.Contain("NO access expected but got it"));
    }
}
