using System.Globalization;
using System.Net;
using NUnit.Framework;
using Sandbox.Harness.Reporting;
using Sandbox.Harness.Runtimes;
using Sandbox.Harness.Vault;
using Sandbox.Scenarios.Infrastructure;

namespace Sandbox.Scenarios.Suites;

/// <summary>
/// The lab's recovery order after a power cut (reference page, "Secrets &amp; Vault": PostgreSQL
/// first, then Vault, then unseal, then the operator re-authenticates and delivers new database
/// credentials, then the app logs in). PostgreSQL and Vault die together without a clean shutdown,
/// and so does the consumer (on process and docker the harness's <see cref="StandInConsumer"/>,
/// which does through Kubernetes auth and <c>postgres/creds/&lt;app&gt;</c> what the Vault Secrets
/// Operator does for the app's pod). The order is asserted from what happened, the steps are timed
/// (shown, never judged).
/// </summary>
[TestFixture]
[Category("RecoveryOrder")]
[NonParallelizable]
public sealed class RecoveryOrderScenarios : AppWorldSuite
{
    /// <summary>How many sealed refusals the consumer must have met before the unseal: it kept trying and got nowhere.</summary>
    private const int SealedAttempts = 3;

    protected override string SuiteName => "recovery-order";

    [Test]
    [CancelAfter(180_000)]
    public async Task Power_cut_then_the_labs_start_order(CancellationToken cancellationToken)
    {
        var sandbox = Sandbox;
        if (Env.Runtime == RuntimeKind.K3d)
        {
            // On k3d the consumer is the Vault Secrets Operator in the cluster, not this stand-in: the
            // runtime can kill its pods and read what it delivered (K3dRuntime.KillOperatorAndAppPodsAsync,
            // ReadAppDeliveryAsync), but this suite's replay (AppWorld) wires Vault with the host view
            // (a loopback TokenReview stand-in, PostgreSQL on 127.0.0.1), which the Vault pod cannot reach.
            Assert.Ignore("recovery-order on k3d needs the in-cluster replay wiring and cluster-issued ServiceAccount tokens in the suites' app world; this build runs it on process and docker");
        }

        // Steady state: the app's consumer logs in through Kubernetes auth, gets database credentials, logs in.
        Timeline.EnterPhase(ScenarioPhase.SteadyState);
        await AssertSteadyStateAsync(sandbox, cancellationToken);
        var before = await App.KubernetesLoginAsync(cancellationToken);
        var oldCreds = await App.IssueAsync(before, cancellationToken);
        Assert.That(await App.TryLoginAsync(oldCreds, cancellationToken), Is.Null, "before the power cut the app's credential logs in");
        Timeline.Asserted($"the consumer logs in as kubernetes role {AppWorld.App}, gets {AppWorld.DbMount}/creds/{AppWorld.App}, and logs in to PostgreSQL");
        await App.CheckpointAsync(cancellationToken);
        Timeline.Step("CHECKPOINT: the app's role is on disk, as production's synchronous_commit=on has it when CREATE ROLE returns");

        // Fault: the power goes. Vault is killed (-9) and PostgreSQL aborted without a checkpoint, at the same moment.
        Timeline.EnterPhase(ScenarioPhase.Fault);
        Timeline.Fault("power cut: kill -9 Vault and abort PostgreSQL (no shutdown checkpoint) together; the consumer dies with them");
        Timeline.Mark("power-cut");
        await WaitOnTimeAsync("restart", async () =>
        {
            await Task.WhenAll(sandbox.StopVaultAsync(kill: true, cancellationToken), sandbox.StopPostgresAsync(kill: true, cancellationToken));
            return true;
        });
        var down = await sandbox.StatusAsync(cancellationToken);
        Assert.That(down is { VaultRunning: false, PostgresRunning: false }, Is.True,
            $"after the power cut neither runs: vault running={down.VaultRunning}, postgres running={down.PostgresRunning}");
        Timeline.Observe("Vault and PostgreSQL are both down");

        // The consumer comes back with the power, with no token and no credential, and keeps trying.
        await using var consumer = StandInConsumer.Start(App, Timeline, cancellationToken);

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
        var tried = await EventuallyAsync(() => Task.FromResult(consumer.SealedRefusals("login") >= SealedAttempts), TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(100), cancellationToken);
        Assert.Multiple(() =>
        {
            Assert.That(tried, Is.True, $"the consumer kept trying to log in while sealed and was refused with 503 each time; refusals: {Describe(consumer.Refusals())}");
            Assert.That(consumer.ReauthAt, Is.Null, "no consumer login while sealed");
            Assert.That(consumer.NewSecretAt, Is.Null, "no new credential while sealed");
            Assert.That(consumer.AppReadyAt, Is.Null, "the app is not ready while sealed");
        });
        Timeline.Asserted($"while sealed the consumer was refused {consumer.SealedRefusals("login")} times and the app is not ready");

        // Unseal from the key file; the consumer re-authenticates, gets a new credential, and the app logs in.
        Timeline.EnterPhase(ScenarioPhase.Recovery, "unseal from the key file");
        var unsealStart = Timeline.Mark("unseal-start");
        var unsealed = await sandbox.UnsealFromKeyFileAsync(cancellationToken);
        Assert.That(unsealed.Sealed, Is.False, "the key file unseals");
        Timeline.Mark("unsealed");
        Timeline.Measure(TimingNames.TimeToUnseal, "unseal-start", "unsealed");
        Timeline.Measure(TimingNames.TimeSealed, "power-cut", "unsealed");
        Timeline.Recover("unsealed with the sandbox key file");

        var ready = await Task.WhenAny(consumer.Ready, Task.Delay(TimeSpan.FromSeconds(60), cancellationToken));
        Assert.That(ready, Is.SameAs(consumer.Ready), $"the app is ready within 60 s of the unseal; refusals: {Describe(consumer.Refusals())}");
        await consumer.Ready;
        Timeline.Measure(TimingNames.TimeToReauth, unsealStart, consumer.ReauthAt!.Value);
        Timeline.Measure(TimingNames.TimeToNewSecret, unsealStart, consumer.NewSecretAt!.Value);
        Timeline.Measure(TimingNames.TimeToAppReady, unsealStart, consumer.AppReadyAt!.Value);

        // The order, from what happened. Vault can answer nothing before the unseal began, so nothing may come before it.
        var fresh = consumer.Credentials!;
        Assert.Multiple(() =>
        {
            Assert.That(consumer.ReauthAt, Is.GreaterThan(unsealStart), "the consumer re-authenticated only after the unseal began");
            Assert.That(consumer.NewSecretAt, Is.GreaterThan(consumer.ReauthAt), "no new credential before the consumer re-authenticated");
            Assert.That(consumer.AppReadyAt, Is.GreaterThan(consumer.NewSecretAt), "the app is ready only with the new credential");
            Assert.That(fresh.Username, Is.Not.EqualTo(oldCreds.Username), "the new credential is a new PostgreSQL role");
            Assert.That(fresh.LeaseId, Is.Not.EqualTo(oldCreds.LeaseId), "and a new lease");
        });
        Timeline.Asserted("order: unseal → Kubernetes-auth login → new credential → app ready; the credential is new");

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
}
