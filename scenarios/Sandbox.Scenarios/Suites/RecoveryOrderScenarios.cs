using System.Globalization;
using System.Net;
using NUnit.Framework;
using Sandbox.Harness.Reporting;
using Sandbox.Harness.Runtimes;
using Sandbox.Harness.Runtimes.K3d;
using Sandbox.Harness.Vault;
using Sandbox.Scenarios.Infrastructure;

namespace Sandbox.Scenarios.Suites;

/// <summary>
/// The lab's recovery order after a power cut (reference page, "Secrets &amp; Vault": PostgreSQL
/// first, then Vault, then unseal, then the operator re-authenticates and delivers new database
/// credentials, then the app logs in). PostgreSQL and Vault die together without a clean shutdown,
/// and so does the consumer (on process and docker the harness's <see cref="StandInConsumer"/>,
/// which does through Kubernetes auth and <c>postgres/creds/&lt;app&gt;</c> what the Vault Secrets
/// Operator does for the app's pod; on k3d the operator itself and the app's pods, watched through the
/// API server with <see cref="OperatorWatch"/>: the app counts as ready only once VSO restarted it with
/// the new credential). The order is asserted from what happened, the steps are timed (shown, never judged).
/// </summary>
[TestFixture]
[Category("RecoveryOrder")]
[NonParallelizable]
public sealed class RecoveryOrderScenarios : AppWorldSuite
{
    /// <summary>How many sealed refusals the consumer must have met (on k3d: how many reads of what the operator delivered) before the unseal: it kept trying and got nowhere.</summary>
    private const int SealedAttempts = 3;

    /// <summary>k3d: how long the operator may take to deliver the first credential after the replay (pods pulled and started, first sync).</summary>
    private static readonly TimeSpan FirstDeliveryTimeout = TimeSpan.FromSeconds(180);

    /// <summary>
    /// k3d: how long after the unseal the operator may take to log in again, write the new credential and
    /// have the restarted app ready. Its failed reconciles requeue with a backoff (controllers, "Failed to
    /// get Vault client": computeHorizonWithJitter(requeueDurationOnError)), and the restarted pod must pass its readinessProbe.
    /// </summary>
    private static readonly TimeSpan OperatorReadyTimeout = TimeSpan.FromSeconds(150);

    protected override string SuiteName => "recovery-order";

    [Test]
    [CancelAfter(480_000)]
    public async Task Power_cut_then_the_labs_start_order(CancellationToken cancellationToken)
    {
        var sandbox = Sandbox;
        var inCluster = sandbox.Runtime == RuntimeKind.K3d;

        // Steady state: the app's consumer logs in through Kubernetes auth, gets database credentials, logs in.
        Timeline.EnterPhase(ScenarioPhase.SteadyState);
        await AssertSteadyStateAsync(sandbox, cancellationToken);
        var before = await App.KubernetesLoginAsync(cancellationToken);
        var oldCreds = await App.IssueAsync(before, cancellationToken);
        Assert.That(await App.TryLoginAsync(oldCreds, cancellationToken), Is.Null, "before the power cut the app's credential logs in");
        Timeline.Asserted($"the consumer logs in as kubernetes role {AppWorld.App}, gets {AppWorld.DbMount}/creds/{AppWorld.App}, and logs in to PostgreSQL");
        AppDelivery? baseline = null;
        if (inCluster)
        {
            // On k3d the app's consumer is the Vault Secrets Operator: it must have delivered before the cut.
            var (delivered, last) = await OperatorWatch.FirstDeliveryAsync(sandbox, App.AppSpec, FirstDeliveryTimeout, cancellationToken);
            Assert.That(delivered, Is.Not.Null, $"VSO delivers {AppWorld.DbMount}/creds/{AppWorld.App} and the app is ready within {FirstDeliveryTimeout.TotalSeconds:0} s of the replay; last read: {last?.ToString() ?? "none"}");
            baseline = delivered!;
            Timeline.Asserted($"VSO logged in as ServiceAccount {App.AppSpec.ServiceAccount}, wrote {AppWorld.DbMount}/creds/{AppWorld.App} into the Secret, and the app is ready (Deployment generation {baseline.Generation})");
        }

        await App.CheckpointAsync(cancellationToken);
        Timeline.Step("CHECKPOINT: the app's role is on disk, as production's synchronous_commit=on has it when CREATE ROLE returns");

        // Fault: the power goes. Vault is killed (-9) and PostgreSQL aborted without a checkpoint, at the same moment;
        // on k3d the operator's and the app's pods die with them (forced deletes; their Deployments start new ones).
        Timeline.EnterPhase(ScenarioPhase.Fault);
        Timeline.Fault(inCluster
            ? "power cut: kill Vault's and PostgreSQL's pods (no grace) together with the operator's and the app's pods"
            : "power cut: kill -9 Vault and abort PostgreSQL (no shutdown checkpoint) together; the consumer dies with them");
        Timeline.Mark("power-cut");
        await WaitOnTimeAsync("restart", async () =>
        {
            await Task.WhenAll(
                sandbox.StopVaultAsync(kill: true, cancellationToken),
                sandbox.StopPostgresAsync(kill: true, cancellationToken));
            if (inCluster)
            {
                // The operator's pods die once Vault no longer answers: a forced delete returns before the
                // container is gone, and a new operator pod that logged in to the dying Vault would keep a
                // token across the cut, which a real power cut never allows.
                await VaultGoneAsync(sandbox, cancellationToken);
                await sandbox.KillOperatorAndAppPodsAsync(App.Topology, cancellationToken);
            }

            return true;
        });
        var down = await sandbox.StatusAsync(cancellationToken);
        Assert.That(down is { VaultRunning: false, PostgresRunning: false }, Is.True,
            $"after the power cut neither runs: vault running={down.VaultRunning}, postgres running={down.PostgresRunning}");
        Timeline.Observe("Vault and PostgreSQL are both down");

        // The consumer comes back with the power, with no token and no credential, and keeps trying:
        // the harness's stand-in on process and docker; on k3d the operator's new pod, watched through the API server.
        await using var consumer = inCluster ? null : StandInConsumer.Start(App, Timeline, cancellationToken);
        await using var watch = inCluster ? OperatorWatch.Start(sandbox, App.AppSpec, Timeline, baseline!, cancellationToken) : null;

        // The lab's order: PostgreSQL first (nothing needs Vault to start it), then Vault.
        Timeline.EnterPhase(ScenarioPhase.Recovery, "start in the lab's order: PostgreSQL, then Vault");
        await sandbox.StartPostgresAsync(cancellationToken);
        Timeline.Mark("postgres-started");
        await WaitOnTimeAsync("restart", async () =>
        {
            await sandbox.StartVaultAsync(cancellationToken);
            return true;
        });
        Timeline.Mark("vault-started");

        // Vault is sealed, and nothing that needs a secret recovers.
        Timeline.EnterPhase(ScenarioPhase.Sealed);
        var seal = await SealStatusAsync(sandbox, cancellationToken);
        Assert.That(seal is { Initialized: true, Sealed: true }, Is.True, $"Vault comes back sealed: initialized={seal.Initialized} sealed={seal.Sealed}");
        Timeline.Observe("seal-status: initialized and sealed");
        var login = Assert.ThrowsAsync<VaultSealedException>(() => App.KubernetesLoginAsync(cancellationToken))!;
        Assert.That(login.StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable), "a Kubernetes-auth login while sealed: 503");
        var creds = Assert.ThrowsAsync<VaultSealedException>(() => App.IssueAsync(before, cancellationToken))!;
        Assert.That(creds.HasError("Vault is sealed"), Is.True, "database credentials with the token from before the cut: 503 Vault is sealed");
        Timeline.Observe("a Kubernetes-auth login and a credential request with the old token: 503 Vault is sealed");
        if (consumer is not null)
        {
            var tried = await EventuallyAsync(() => Task.FromResult(consumer.SealedRefusals("login") >= SealedAttempts), TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(100), cancellationToken);
            Assert.Multiple(() =>
            {
                Assert.That(tried, Is.True, $"the consumer kept trying to log in while sealed and was refused with 503 each time; refusals: {Describe(consumer.Refusals())}");
                Assert.That(consumer.ReauthAt, Is.Null, "no consumer login while sealed");
                Assert.That(consumer.NewSecretAt, Is.Null, "no new credential while sealed");
                Assert.That(consumer.AppReadyAt, Is.Null, "the app is not ready while sealed");
            });
            Timeline.Asserted($"while sealed the consumer was refused {consumer.SealedRefusals("login")} times and the app is not ready");
        }
        else
        {
            // The operator requeues a failed login (VaultClientConfigError "Failed to get Vault client"): watch it get nowhere.
            var reads = watch!.Reads;
            var watched = await EventuallyAsync(() => Task.FromResult(watch.Reads >= reads + SealedAttempts), TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(100), cancellationToken);
            var progress = watch.Progress;
            Assert.Multiple(() =>
            {
                Assert.That(watched, Is.True, $"the API server answered the watch while Vault was sealed: {watch.Describe()}");
                Assert.That(progress.ReauthAt, Is.Null, "no operator login while sealed");
                Assert.That(progress.NewSecretAt, Is.Null, "no new credential while sealed");
                Assert.That(progress.AppReadyAt, Is.Null, "the app is not ready with a new credential while sealed");
                Assert.That(progress.AnyChange, Is.False, $"nothing the operator delivers changed while sealed: {watch.Describe()}");
            });
            Timeline.Asserted($"while sealed ({watch.Reads - reads} reads) the operator did not log in, wrote no credential and restarted nothing");
        }

        // Unseal from the key file; the consumer re-authenticates, gets a new credential, and the app logs in.
        Timeline.EnterPhase(ScenarioPhase.Recovery, "unseal from the key file");
        var unsealStart = Timeline.Mark("unseal-start");
        var unsealed = await sandbox.UnsealFromKeyFileAsync(cancellationToken);
        Assert.That(unsealed.Sealed, Is.False, "the key file unseals");
        Timeline.Mark("unsealed");
        Timeline.Measure(TimingNames.TimeToUnseal, "unseal-start", "unsealed");
        Timeline.Measure(TimingNames.TimeSealed, "power-cut", "unsealed");
        Timeline.Recover("unsealed with the sandbox key file");

        var readyTask = consumer?.Ready ?? watch!.Ready;
        var readyWithin = inCluster ? OperatorReadyTimeout : TimeSpan.FromSeconds(60);
        var ready = await Task.WhenAny(readyTask, Task.Delay(readyWithin, cancellationToken));
        Assert.That(ready, Is.SameAs(readyTask),
            $"the app is ready with a new credential within {readyWithin.TotalSeconds:0} s of the unseal; " + (consumer is not null ? $"refusals: {Describe(consumer.Refusals())}" : watch!.Describe()));
        await readyTask;
        var (reauthAt, newSecretAt, appReadyAt) = consumer is not null
            ? (consumer.ReauthAt!.Value, consumer.NewSecretAt!.Value, consumer.AppReadyAt!.Value)
            : (watch!.Progress.ReauthAt!.Value, watch.Progress.NewSecretAt!.Value, watch.Progress.AppReadyAt!.Value);
        Timeline.Measure(TimingNames.TimeToReauth, unsealStart, reauthAt);
        Timeline.Measure(TimingNames.TimeToNewSecret, unsealStart, newSecretAt);
        Timeline.Measure(TimingNames.TimeToAppReady, unsealStart, appReadyAt);

        // The order, from what happened. Vault can answer nothing before the unseal began, so nothing may come before it.
        if (consumer is not null)
        {
            var fresh = consumer.Credentials!;
            Assert.Multiple(() =>
            {
                Assert.That(reauthAt, Is.GreaterThan(unsealStart), "the consumer re-authenticated only after the unseal began");
                Assert.That(newSecretAt, Is.GreaterThan(reauthAt), "no new credential before the consumer re-authenticated");
                Assert.That(appReadyAt, Is.GreaterThan(newSecretAt), "the app is ready only with the new credential");
                Assert.That(fresh.Username, Is.Not.EqualTo(oldCreds.Username), "the new credential is a new PostgreSQL role");
                Assert.That(fresh.LeaseId, Is.Not.EqualTo(oldCreds.LeaseId), "and a new lease");
            });
            Timeline.Asserted("order: unseal → Kubernetes-auth login → new credential → app ready; the credential is new");
        }
        else
        {
            // Read from the API server by sampling: steps first seen in the same read share its time, so
            // the order is asserted as "not before", and every read is checked for a step without its cause.
            var progress = watch!.Progress;
            Assert.Multiple(() =>
            {
                Assert.That(reauthAt, Is.GreaterThan(unsealStart), "VSO re-authenticated only after the unseal began");
                Assert.That(newSecretAt, Is.GreaterThanOrEqualTo(reauthAt), "no new credential before VSO re-authenticated");
                Assert.That(appReadyAt, Is.GreaterThanOrEqualTo(newSecretAt), "the app is ready only with the new credential");
                Assert.That(progress.Violations, Is.Empty, "no read showed a new credential before the new login, or a restart before the new credential");
                Assert.That(progress.Latest!.LeaseId, Is.Not.EqualTo(baseline!.LeaseId), "a new lease in the VaultDynamicSecret");
                Assert.That(progress.Latest.Generation, Is.GreaterThan(baseline.Generation), "VSO restarted the app's Deployment (rolloutRestartTargets)");
            });
            Timeline.Asserted("order: unseal → VSO's Kubernetes-auth login → new credential in the Secret → app restarted and ready with it");
        }

        // The old lease. Vault keeps leases in its storage and restores them on every unseal, after a
        // restart too (vault/expiration.go, Restore: "core: restoring leases"; docs/vault-api.md,
        // "Sealed, uninitialized, restarted"). The cut lasted far less than the role's TTL, so the lease is still
        // live, and PostgreSQL's crash recovery kept the committed role: the old login still works.
        Timeline.EnterPhase(ScenarioPhase.SteadyState);
        var lease = await sandbox.Root.LookupLeaseAsync(oldCreds.LeaseId, cancellationToken);
        var oldLogin = await App.TryLoginAsync(oldCreds, cancellationToken);
        Assert.Multiple(() =>
        {
            Assert.That(lease.Id, Is.EqualTo(oldCreds.LeaseId), "the old lease survived the power cut (restored from storage on unseal)");
            Assert.That(lease.Ttl, Is.GreaterThan(TimeSpan.Zero), "and is still live");
            Assert.That(oldLogin, Is.Null, "the old role survived PostgreSQL's crash recovery and still logs in");
        });
        Timeline.Asserted($"the old lease is restored and live (ttl {lease.Ttl?.TotalSeconds.ToString("0", CultureInfo.InvariantCulture)} s) and its login works");
        await AssertSteadyStateAsync(sandbox, cancellationToken);
    }

    private static string Describe(IReadOnlyDictionary<string, int> refusals) =>
        refusals.Count == 0 ? "none" : string.Join(", ", refusals.Select(r => $"{r.Key} ×{r.Value}"));

    /// <summary>Waits (at most 60 s) until Vault's pod is not running and its API no longer answers.</summary>
    private static async Task VaultGoneAsync(SandboxHandle sandbox, CancellationToken cancellationToken)
    {
        for (var i = 0; i < 600; i++)
        {
            if (!(await sandbox.StatusAsync(cancellationToken)).VaultRunning)
            {
                try
                {
                    await sandbox.Unauthenticated.GetSealStatusAsync(cancellationToken);
                }
                catch (VaultUnreachableException)
                {
                    return;
                }
            }

            await Task.Delay(100, cancellationToken);
        }

        Assert.Fail("Vault still answered 60 s after its pod was killed");
    }
}
