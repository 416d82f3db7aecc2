using System.Net;
using NUnit.Framework;
using Sandbox.Harness.Keys;
using Sandbox.Harness.Reporting;
using Sandbox.Harness.Runtimes;
using Sandbox.Harness.Runtimes.K3d;
using Sandbox.Harness.Runtimes.Process;
using Sandbox.Harness.Topology;
using Sandbox.Harness.Vault;
using Sandbox.Scenarios.Infrastructure;

namespace Sandbox.Harness.Tests.Runtimes;

/// <summary>
/// The recovery-order suite's k3d flow (scenarios' RecoveryOrderScenarios with OperatorWatch), end to end on
/// the k3d runtime through the fake k3d/kubectl/helm: every stop, start, status, token and delivery read is
/// the runtime's own kubectl call. The fake cluster's pods run a real Vault (the double) and PostgreSQL 15
/// (a process sandbox): a loop in the test plays the StatefulSet controller and the kubelet, killing or
/// starting them as the fake kubectl's scale and delete leave the StatefulSets, and the fake operator
/// reconciles on its own, as VSO requeues.
/// </summary>
public sealed partial class K3dRuntimeFakeToolsTests
{
    /// <summary>How many reads of what the operator delivered (and sealed refusals it met) the sealed phase waits for, as the suite does.</summary>
    private const int SealedAttempts = 3;

    [Test]
    [CancelAfter(300000)]
    public async Task RecoveryOrder_OnTheK3dRuntime_PowerCutThenTheLabsStartOrder_RecoversOnlyAfterTheUnseal_AndTimesEveryStep(CancellationToken cancellationToken)
    {
        SandboxTestHome.RequireProcessRuntime();
        await using var home = new SandboxTestHome();
        await using var pods = await home.Manager.UpAsync(home.Options("k3d-pods"), cancellationToken);
        await using var world = await VsoWorld.StartAsync(pods, home, Path.Combine(_calls, "objects"), cancellationToken);
        await RegisterClusterAsync(pods.Address.Port, cancellationToken);
        var app = world.Topology.Apps.Single(a => a.Slug == "webapp");
        var audience = world.Topology.Kubernetes.Audience;
        var tokenFile = Path.Combine(_calls, "tokens", app.Namespace, app.ServiceAccount, audience ?? "default");
        Directory.CreateDirectory(Path.GetDirectoryName(tokenFile)!);
        await File.WriteAllTextAsync(tokenFile, world.MintServiceAccountToken(app.Namespace, app.ServiceAccount) + "\n", cancellationToken);

        await using var sandbox = await K3dSandboxOverAsync(pods, home, cancellationToken);
        using var background = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var cluster = new FakeCluster(pods, _calls);
        var clusterLoop = cluster.RunAsync(background.Token);
        using var operatorGate = new SemaphoreSlim(1, 1);
        var operatorLoop = RunOperatorAsync(world.Operator, operatorGate, background.Token);
        var timeline = new ScenarioTimeline(TimeProvider.System);
        try
        {
            // Steady state: a Kubernetes-auth login with a token the cluster issued, a credential, and what VSO delivered.
            timeline.EnterPhase(ScenarioPhase.SteadyState);
            var before = await KubernetesLoginAsync(sandbox, world.Topology, app, cancellationToken);
            var oldCreds = await before.DatabaseGetCredentialsAsync("postgres", app.Slug, cancellationToken);
            var (baseline, lastRead) = await OperatorWatch.FirstDeliveryAsync(sandbox, app, TimeSpan.FromSeconds(60), cancellationToken);
            Assert.That(baseline, Is.Not.Null, $"VSO delivered before the cut; last read: {lastRead}");

            // The power cut, through the runtime: Vault's and PostgreSQL's pods killed with the operator's and the app's.
            timeline.EnterPhase(ScenarioPhase.Fault);
            timeline.Mark("power-cut");
            // As the suite does: the operator's pods die once Vault no longer runs, so no new operator pod
            // can log in to the dying Vault and keep its token across the cut.
            await Task.WhenAll(
                sandbox.StopVaultAsync(kill: true, cancellationToken),
                sandbox.StopPostgresAsync(kill: true, cancellationToken));
            await Until(() => !cluster.VaultRuns && !cluster.PostgresRuns, () => $"the fake cluster stopped Vault and PostgreSQL after the cut (vault runs={cluster.VaultRuns}, postgres runs={cluster.PostgresRuns})", cancellationToken);
            await sandbox.KillOperatorAndAppPodsAsync(world.Topology, cancellationToken);
            var down = await sandbox.StatusAsync(cancellationToken);
            // The suite's own watch (scenarios/…/OperatorWatch.cs, compiled into this project too).
            await using var watch = OperatorWatch.Start(sandbox, app, timeline, baseline!, background.Token);
            var watching = watch.Ready;

            // The lab's order: PostgreSQL, then Vault.
            timeline.EnterPhase(ScenarioPhase.Recovery, "start in the lab's order: PostgreSQL, then Vault");
            await sandbox.StartPostgresAsync(cancellationToken);
            timeline.Mark("postgres-started");
            await sandbox.StartVaultAsync(cancellationToken);
            timeline.Mark("vault-started");

            // Sealed: nothing that needs a secret recovers.
            timeline.EnterPhase(ScenarioPhase.Sealed);
            var seal = await sandbox.Unauthenticated.GetSealStatusAsync(cancellationToken);
            var login = Assert.ThrowsAsync<VaultSealedException>(() => KubernetesLoginAsync(sandbox, world.Topology, app, cancellationToken))!;
            var creds = Assert.ThrowsAsync<VaultSealedException>(() => before.DatabaseGetCredentialsAsync("postgres", app.Slug, cancellationToken))!;
            var reads = watch.Reads;
            await Until(() => watch.Reads >= reads + SealedAttempts, () => $"the API server answered the watch while Vault was sealed: {watch.Describe()}", cancellationToken);
            await Until(async () => await SealedRefusalsAsync(world.Operator, operatorGate, cancellationToken) >= SealedAttempts,
                () => "the operator kept trying to log in while sealed and was refused each time: " + string.Join(" | ", world.Operator.Events.TakeLast(5)), cancellationToken);
            var whileSealed = (watch.Progress.ReauthAt, watch.Progress.NewSecretAt, watch.Progress.AppReadyAt, watch.Progress.AnyChange);

            // Unseal from the key file; VSO logs in again, writes a new credential, restarts the app.
            timeline.EnterPhase(ScenarioPhase.Recovery, "unseal from the key file");
            var unsealStart = timeline.Mark("unseal-start");
            var unsealed = await sandbox.UnsealFromKeyFileAsync(cancellationToken);
            timeline.Mark("unsealed");
            timeline.Measure(TimingNames.TimeToUnseal, "unseal-start", "unsealed");
            timeline.Measure(TimingNames.TimeSealed, "power-cut", "unsealed");
            await Until(() => watching.IsCompleted, () => $"the app is ready with a new credential after the unseal: {watch.Describe()}", cancellationToken);
            await watching;
            var progress = watch.Progress;
            timeline.Measure(TimingNames.TimeToReauth, unsealStart, progress.ReauthAt!.Value);
            timeline.Measure(TimingNames.TimeToNewSecret, unsealStart, progress.NewSecretAt!.Value);
            timeline.Measure(TimingNames.TimeToAppReady, unsealStart, progress.AppReadyAt!.Value);

            var lease = await sandbox.Root.LookupLeaseAsync(oldCreds.LeaseId, cancellationToken);
            var argv = ReadCalls().Select(c => c.Argv).ToList();
            int First(string tail) => argv.FindIndex(a => a.EndsWith(tail, StringComparison.Ordinal));

            Assert.Multiple(() =>
            {
                Assert.That(baseline, Is.Not.Null.And.Property(nameof(AppDelivery.RolledOut)).True, "VSO delivered before the cut");
                Assert.That(down is { VaultRunning: false, PostgresRunning: false }, Is.True, $"after the power cut neither pod runs: vault={down.VaultRunning}, postgres={down.PostgresRunning}");
                Assert.That(First("-n tools rollout status statefulset/postgres --timeout=300s"), Is.GreaterThan(First("-n tools scale statefulset/postgres --replicas=1")));
                Assert.That(First("-n tools scale statefulset/hashicorp-vault --replicas=1"), Is.GreaterThan(First("-n tools rollout status statefulset/postgres --timeout=300s")),
                    "Vault is started only once PostgreSQL's rollout is complete");
                Assert.That(seal is { Initialized: true, Sealed: true }, Is.True, $"Vault comes back sealed: initialized={seal.Initialized} sealed={seal.Sealed}");
                Assert.That(login.StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable), "a Kubernetes-auth login while sealed: 503");
                Assert.That(creds.HasError("Vault is sealed"), Is.True, "a credential with the token from before the cut: 503 Vault is sealed");
                Assert.That(whileSealed, Is.EqualTo(((DateTimeOffset?)null, (DateTimeOffset?)null, (DateTimeOffset?)null, false)),
                    $"while sealed: no operator login, no new credential, no restart, app not ready with a new one ({watch.Describe()})");
                Assert.That(unsealed.Sealed, Is.False, "the key file unseals");
                Assert.That(progress.ReauthAt, Is.GreaterThan(unsealStart), "VSO re-authenticated only after the unseal began");
                Assert.That(progress.NewSecretAt, Is.GreaterThanOrEqualTo(progress.ReauthAt), "no new credential before VSO re-authenticated");
                Assert.That(progress.AppReadyAt, Is.GreaterThanOrEqualTo(progress.NewSecretAt), "the app is ready only with the new credential");
                Assert.That(progress.Violations, Is.Empty, "no read showed a new credential before the new login, or a restart before the new credential");
                Assert.That(progress.Latest!.LeaseId, Is.Not.EqualTo(baseline!.LeaseId), "a new lease in the VaultDynamicSecret");
                Assert.That(progress.Latest.Generation, Is.GreaterThan(baseline.Generation), "VSO restarted the app's Deployment");
                Assert.That(timeline.HasMark(OperatorWatch.ReauthMark) && timeline.HasMark(OperatorWatch.NewSecretMark) && timeline.HasMark(OperatorWatch.AppReadyMark), Is.True);
                Assert.That(timeline.Timings.Keys, Is.SupersetOf(new[]
                {
                    TimingNames.TimeSealed, TimingNames.TimeToUnseal, TimingNames.TimeToReauth, TimingNames.TimeToNewSecret, TimingNames.TimeToAppReady,
                }), "every timing recorded");
                Assert.That(timeline.Timings.Values, Has.All.GreaterThanOrEqualTo(0));
                Assert.That(lease.Id, Is.EqualTo(oldCreds.LeaseId), "the old lease survived the power cut (restored on unseal)");
                Assert.That(lease.Ttl, Is.GreaterThan(TimeSpan.Zero));
            });
            TestContext.Out.WriteLine(string.Join(", ", timeline.Timings.Select(t => $"{t.Key}={t.Value}")));
        }
        finally
        {
            await background.CancelAsync();
            await Quietly(clusterLoop);
            await Quietly(operatorLoop);
        }
    }

    /// <summary>
    /// A k3d sandbox as up leaves it (cluster, NodePorts, key file, root token, PostgreSQL's password, the
    /// private kubeconfig) whose cluster is the fakes' and whose pods run <paramref name="pods"/>'s Vault and
    /// PostgreSQL. Detached: disposing it leaves the fake cluster alone.
    /// </summary>
    private async Task<SandboxHandle> K3dSandboxOverAsync(SandboxHandle pods, SandboxTestHome home, CancellationToken cancellationToken)
    {
        // Its own home (in the tool directory, removed after the test), so that the process home's teardown does not take it for one of its own.
        var paths = new SandboxPaths(Path.Combine(_tools, "k3d-home"), "lab");
        Directory.CreateDirectory(paths.RunFolder);
        File.Copy(pods.KeyFile, paths.KeyFile);
        File.Copy(pods.RootTokenFile, paths.RootTokenFile);
        await ProcessRuntime.WriteSecretFileAsync(paths.PostgresPasswordFile, pods.Postgres.SuperuserPassword, cancellationToken);
        await ProcessRuntime.WriteSecretFileAsync(paths.Kubeconfig, "apiVersion: v1\nkind: Config\nclusters:\n- name: fake-k3d-cluster\n", cancellationToken);
        var state = new SandboxState
        {
            Name = "lab",
            Runtime = RuntimeKind.K3d,
            ClusterName = "lab",
            Address = pods.Address.ToString().TrimEnd('/'),
            VaultPort = pods.Address.Port,
            PostgresHost = "127.0.0.1",
            PostgresPort = pods.Postgres.Port,
            PostgresSuperuser = "postgres",
            VaultSource = RuntimeVersions.VaultImage,
        };
        var run = new SandboxRun(paths, state, new SandboxOptions { Runtime = RuntimeKind.K3d, Detached = true }, home.Guard,
            Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance, TimeProvider.System);
        await run.SaveStateAsync(cancellationToken);
        var keyStore = new SandboxKeyStore(home.Guard);
        var root = await keyStore.ReadRootTokenAsync(paths.RootTokenFile, cancellationToken);
        return new SandboxHandle(home.Manager, run, new K3dRuntime(toolDirectory: _tools), pods.Postgres, keyStore, pods.Unauthenticated, root);
    }

    /// <summary>The app's login as its pods make it: a token from the cluster's API server (<c>kubectl create token</c>), on Kubernetes auth role &lt;app&gt;.</summary>
    private static async Task<VaultClient> KubernetesLoginAsync(SandboxHandle sandbox, TopologySpec topology, AppSpec app, CancellationToken cancellationToken)
    {
        var jwt = await sandbox.ServiceAccountTokenAsync(app.Namespace, app.ServiceAccount, topology.Kubernetes.Audience, cancellationToken);
        var auth = await sandbox.Unauthenticated.KubernetesLoginAsync(topology.Kubernetes.Path, app.KubernetesRole.Name, jwt, cancellationToken);
        return sandbox.Unauthenticated.WithToken(auth.ClientToken);
    }

    /// <summary>The operator's requeue: one reconcile pass after another, each alone (the gate) so that its events can be counted between passes.</summary>
    private static async Task RunOperatorAsync(FakeVaultSecretsOperator vso, SemaphoreSlim gate, CancellationToken stop)
    {
        while (true)
        {
            await gate.WaitAsync(stop);
            try
            {
                await vso.ReconcileAsync(stop);
            }
            finally
            {
                gate.Release();
            }

            await Task.Delay(100, stop);
        }
    }

    private static async Task<int> SealedRefusalsAsync(FakeVaultSecretsOperator vso, SemaphoreSlim gate, CancellationToken cancellationToken)
    {
        await gate.WaitAsync(cancellationToken);
        try
        {
            return vso.Events.Count(e => e.Contains("Failed to get Vault client", StringComparison.Ordinal) && e.Contains("Vault is sealed", StringComparison.Ordinal));
        }
        finally
        {
            gate.Release();
        }
    }

    private static Task Until(Func<bool> condition, Func<string> expected, CancellationToken cancellationToken) => Until(() => Task.FromResult(condition()), expected, cancellationToken);

    /// <summary>Waits for <paramref name="condition"/>, checking every 50 ms at most 1200 times (the suite's waits are of this order); then fails with <paramref name="expected"/>.</summary>
    private static async Task Until(Func<Task<bool>> condition, Func<string> expected, CancellationToken cancellationToken)
    {
        for (var i = 0; !await condition(); i++)
        {
            if (i == 1200)
            {
                Assert.Fail("Expected " + expected());
            }

            await Task.Delay(50, cancellationToken);
        }
    }

    private static async Task Quietly(Task task)
    {
        try
        {
            await task;
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>
    /// The fake cluster's StatefulSet controller and kubelet for Vault and PostgreSQL: what the fake kubectl's
    /// <c>scale</c> and <c>delete pod</c> left (replicas/tools/STS, pods/tools/POD, POD.killed) is done to the
    /// process sandbox that runs them. A force-deleted pod's process is killed (no grace period), a scaled-down
    /// one stopped; a Pending pod's process is started, and the pod runs once that start has returned
    /// (PostgreSQL accepting logins, Vault answering, sealed).
    /// </summary>
    private sealed class FakeCluster(SandboxHandle pods, string calls)
    {
        private volatile bool _vaultRuns = true;
        private volatile bool _postgresRuns = true;

        public bool VaultRuns => _vaultRuns;

        public bool PostgresRuns => _postgresRuns;

        public async Task RunAsync(CancellationToken stop)
        {
            while (true)
            {
                _vaultRuns = await ReconcileAsync("hashicorp-vault", _vaultRuns, kill => pods.StopVaultAsync(kill, stop), () => pods.StartVaultAsync(stop));
                _postgresRuns = await ReconcileAsync("postgres", _postgresRuns, kill => pods.StopPostgresAsync(kill, stop), () => pods.StartPostgresAsync(stop));
                await Task.Delay(50, stop);
            }
        }

        private async Task<bool> ReconcileAsync(string statefulSet, bool runs, Func<bool, Task> stopPod, Func<Task> startPod)
        {
            var replicas = Path.Combine(calls, "replicas", "tools", statefulSet);
            var pod = Path.Combine(calls, "pods", "tools", statefulSet + "-0");
            var killed = pod + ".killed";
            var scaledDown = File.Exists(replicas) && File.ReadAllText(replicas).Trim() == "0";
            if (runs && (scaledDown || File.Exists(killed)))
            {
                await stopPod(File.Exists(killed));
                File.Delete(killed);
                return false;
            }

            if (!runs)
            {
                File.Delete(killed);
                if (File.Exists(pod) && File.ReadAllText(pod).Trim() == "Pending")
                {
                    await startPod();
                    File.Delete(pod);
                    return true;
                }
            }

            return runs;
        }
    }
}
