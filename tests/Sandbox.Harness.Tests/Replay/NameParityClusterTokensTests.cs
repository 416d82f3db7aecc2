using NUnit.Framework;
using Sandbox.Harness.Identity;
using Sandbox.Harness.Replay;
using Sandbox.Harness.Tests.Runtimes;
using Sandbox.Harness.Tests.Topology;
using Sandbox.Harness.Topology;

namespace Sandbox.Harness.Tests.Replay;

/// <summary>
/// The name parity check with service-account tokens from a cluster (as on k3d, where the cluster's API
/// server issues them and Vault reviews them there): real Kubernetes logins, no TokenReview stand-in of
/// the check's own, <c>kubernetes_host</c> untouched, and a probe whose ServiceAccount the cluster does
/// not have is not tried, with a note. The "cluster" here is a TokenReview stand-in Vault's Kubernetes
/// auth was pointed at by replay, and its issuer.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class NameParityClusterTokensTests
{
    [Test]
    [CancelAfter(120_000)]
    public async Task Check_WithClusterIssuedTokens_LogsInForReal_LeavesKubernetesHostAlone_AndNotesWhatItCouldNotTry(CancellationToken cancellationToken)
    {
        SandboxTestHome.RequireProcessRuntime();
        await using var home = new SandboxTestHome();
        await using var sbx = await home.Manager.UpAsync(home.Options("parity-k8s"), cancellationToken);
        var topology = TopologyLoader.Load(TopologyWorkspace.FixtureTopology);
        using var clusterIssuer = new SandboxJwtIssuer("https://kubernetes.default.svc.cluster.local");
        await using var cluster = TokenReviewServer.Start(clusterIssuer);
        var options = new ReplayOptions
        {
            Postgres = sbx.Postgres,
            KubernetesHost = cluster.Address.ToString().TrimEnd('/'),
            SandboxEndpoints = [cluster.Address],
            KubernetesCaCert = cluster.CaCertificatePem,
        };
        await new TopologyReplayer(sbx.Root, home.Guard).ReplayAsync(topology, options, cancellationToken);
        var hostBefore = (await sbx.Root.KubernetesReadConfigAsync(topology.Kubernetes.Path, cancellationToken))!.KubernetesHost;
        var asked = new List<ServiceAccountIdentity>();
        Task<string?> Issue(ServiceAccountIdentity account, CancellationToken ct)
        {
            lock (asked)
            {
                asked.Add(account);
            }

            // The cluster has only the apps' ServiceAccounts (the objects the runtime applied).
            return Task.FromResult(topology.Apps.Any(a => a.Namespace == account.Namespace && a.ServiceAccount == account.Name)
                ? clusterIssuer.MintServiceAccountToken(account, audience: topology.Kubernetes.Audience)
                : null);
        }

        var check = new NameParityCheck(sbx.Root, home.Guard);
        var all = await check.RunAsync(topology, new NameParityOptions { Parts = options.Parts, ServiceAccountTokens = Issue }, cancellationToken);
        var single = await check.RunAsync(topology, new NameParityOptions { Parts = options.Parts, ServiceAccountTokens = Issue, Apps = ["webapp"] }, cancellationToken);
        var hostAfter = (await sbx.Root.KubernetesReadConfigAsync(topology.Kubernetes.Path, cancellationToken))!.KubernetesHost;

        Assert.Multiple(() =>
        {
            Assert.That(all.Passed, Is.True, all.Describe(all: true));
            Assert.That(all.Probes, Has.Some.Matches<ParityProbe>(p => p.Who == "kubernetes role webapp" && p.Actual == ProbeAccess.Granted), "a real Kubernetes login with the cluster's token");
            Assert.That(all.Probes, Has.Some.Matches<ParityProbe>(p => p.Who.StartsWith("service account erp/", StringComparison.Ordinal) && p.Who.EndsWith("as kubernetes role webapp", StringComparison.Ordinal) && p.Actual == ProbeAccess.Denied),
                "another app's ServiceAccount is refused the role");
            Assert.That(all.Notes, Has.Some.Contain("issued by the cluster's API server"));
            Assert.That(all.Notes, Has.None.Contain("TokenReview stand-in"), "the check started no stand-in of its own");
            Assert.That(hostAfter, Is.EqualTo(hostBefore), "kubernetes_host left as replay wrote it");
            Assert.That(single.Passed, Is.True, single.Describe(all: true));
            Assert.That(single.Notes, Has.Some.Contain("sandbox-probe-other-app").And.Some.Contain("not tried"), "a ServiceAccount the cluster lacks is not tried, and said so");
            Assert.That(asked, Has.Some.Matches<ServiceAccountIdentity>(a => a.Namespace == "sandbox-probe-other-app"));
        });
    }
}
