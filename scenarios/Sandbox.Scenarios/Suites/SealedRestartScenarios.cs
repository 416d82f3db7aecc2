using System.Net;
using NUnit.Framework;
using Sandbox.Harness.Reporting;
using Sandbox.Harness.Runtimes;
using Sandbox.Harness.Vault;
using Sandbox.Scenarios.Infrastructure;

namespace Sandbox.Scenarios.Suites;

/// <summary>
/// Sealed restart: Vault restarts (gracefully and with kill -9) and comes back sealed; while
/// sealed it refuses everything with 503 "Vault is sealed"; the sandbox key unseals it and
/// everything is still there (vault-api.md §2, Appendix B.1).
/// </summary>
[TestFixture]
[Category("SealedRestart")]
[NonParallelizable]
public sealed class SealedRestartScenarios : AppWorldSuite
{

    protected override string SuiteName => "sealed-restart";

    [Test]
    [CancelAfter(120_000)]
    public Task Graceful_restart(CancellationToken cancellationToken) => RestartScenarioAsync(kill: false, cancellationToken);

    [Test]
    [CancelAfter(120_000)]
    public Task Kill_9_restart(CancellationToken cancellationToken) => RestartScenarioAsync(kill: true, cancellationToken);

    private async Task RestartScenarioAsync(bool kill, CancellationToken cancellationToken)
    {
        var sandbox = Sandbox;
        var root = sandbox.Root;

        // Steady state: the secret reads back, a database lease is out and its login works.
        Timeline.EnterPhase(ScenarioPhase.SteadyState);
        await AssertSteadyStateAsync(sandbox, cancellationToken);
        var secret = await root.KvV2ReadAsync(AppWorld.KvMount, AppWorld.SecretPath, cancellationToken: cancellationToken);
        Assert.That(secret?.Data?["API_KEY"]?.GetValue<string>(), Is.EqualTo(App.SecretValue), "the kvv2 secret reads back");
        var version = secret!.Metadata?.Version;
        var appClient = await App.AppClientAsync(cancellationToken);
        var oldCreds = await App.IssueAsync(appClient, cancellationToken);
        Assert.That(await App.TryLoginAsync(oldCreds, cancellationToken), Is.Null, "the app's database credentials log in");
        var mountsBefore = (await root.ListSecretsEnginesAsync(cancellationToken)).Keys.Order(StringComparer.Ordinal).ToList();
        var authBefore = (await root.ListAuthMethodsAsync(cancellationToken)).Keys.Order(StringComparer.Ordinal).ToList();
        var policiesBefore = (await root.ListPoliciesAsync(cancellationToken)).Order(StringComparer.Ordinal).ToList();
        var roleBefore = await root.DatabaseReadRoleAsync(AppWorld.DbMount, AppWorld.App, cancellationToken);
        Timeline.Asserted("kvv2 secret reads back; a database lease is out and its login works");

        // Fault.
        Timeline.EnterPhase(ScenarioPhase.Fault);
        Timeline.Fault(kill ? "kill -9 the Vault process, then start it" : "stop Vault gracefully (SIGTERM), then start it");
        Timeline.Mark("fault");
        await RestartVaultAsync(sandbox, kill, cancellationToken);
        Timeline.Mark("restarted");
        Timeline.Measure(TimingNames.TimeToRestart, "fault", "restarted");

        // What an operator sees while it is sealed.
        Timeline.EnterPhase(ScenarioPhase.Sealed);
        var status = await sandbox.Unauthenticated.GetSealStatusAsync(cancellationToken);
        Assert.That(status is { Initialized: true, Sealed: true, T: 1, N: 1, Progress: 0 }, Is.True,
            $"seal-status after restart: initialized={status.Initialized} sealed={status.Sealed} t={status.T} n={status.N} progress={status.Progress}");
        Timeline.Observe("seal-status: initialized, sealed, t=1 n=1 progress=0");

        var health = await sandbox.Unauthenticated.GetHealthAsync(cancellationToken: cancellationToken);
        Assert.That(health.StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable), "sys/health answers 503 while sealed");
        Timeline.Observe("sys/health answered 503");

        var read = Assert.ThrowsAsync<VaultSealedException>(() => root.KvV2ReadAsync(AppWorld.KvMount, AppWorld.SecretPath, cancellationToken: cancellationToken))!;
        AssertSealed503(read, "a kvv2 read with the root token");
        var creds = Assert.ThrowsAsync<VaultSealedException>(() => App.IssueAsync(appClient, cancellationToken))!;
        AssertSealed503(creds, "database credentials");
        var login = Assert.ThrowsAsync<VaultSealedException>(() => App.CiLoginAsync(cancellationToken))!;
        AssertSealed503(login, "the CI login (auth/jwt)");
        Assert.That(await App.TryLoginAsync(oldCreds, cancellationToken), Is.Null,
            "PostgreSQL does not depend on Vault: the app's existing login keeps working while Vault is sealed");
        Timeline.Observe("existing database login still works (PostgreSQL does not need Vault)");

        // Recovery.
        Timeline.EnterPhase(ScenarioPhase.Recovery);
        Timeline.Mark("unseal-start");
        var unsealed = await sandbox.UnsealFromKeyFileAsync(cancellationToken);
        Assert.That(unsealed.Sealed, Is.False, "the sandbox key unseals");
        Timeline.Mark("unsealed");
        Timeline.Measure(TimingNames.TimeToUnseal, "unseal-start", "unsealed");
        Timeline.Measure(TimingNames.TimeSealed, "fault", "unsealed");
        Timeline.Recover("unsealed with the sandbox key");

        var fresh = await App.IssueAsync(appClient, cancellationToken);
        Assert.That(await App.TryLoginAsync(fresh, cancellationToken), Is.Null, "new credentials log in to PostgreSQL");
        Timeline.Mark("first-credential");
        Timeline.Measure(TimingNames.TimeToFirstCredential, "unsealed", "first-credential");
        Timeline.Observe("new database credentials issued and logged in");

        // Steady state again: everything is still there.
        Timeline.EnterPhase(ScenarioPhase.SteadyState);
        var after = await root.KvV2ReadAsync(AppWorld.KvMount, AppWorld.SecretPath, cancellationToken: cancellationToken);
        var lease = await root.LookupLeaseAsync(oldCreds.LeaseId, cancellationToken);
        var roleAfter = await root.DatabaseReadRoleAsync(AppWorld.DbMount, AppWorld.App, cancellationToken);
        var ciLogin = await App.CiLoginAsync(cancellationToken);
        Assert.Multiple(async () =>
        {
            Assert.That(after?.Data?["API_KEY"]?.GetValue<string>(), Is.EqualTo(App.SecretValue), "the secret survived");
            Assert.That(after?.Metadata?.Version, Is.EqualTo(version), "its version number survived");
            Assert.That((await root.ListSecretsEnginesAsync(cancellationToken)).Keys.Order(StringComparer.Ordinal), Is.EqualTo(mountsBefore), "mounts intact");
            Assert.That((await root.ListAuthMethodsAsync(cancellationToken)).Keys.Order(StringComparer.Ordinal), Is.EqualTo(authBefore), "auth methods intact");
            Assert.That((await root.ListPoliciesAsync(cancellationToken)).Order(StringComparer.Ordinal), Is.EqualTo(policiesBefore), "policies intact");
            Assert.That(roleAfter?.DefaultTtl, Is.EqualTo(roleBefore?.DefaultTtl), "the database role intact");
            Assert.That(roleAfter?.CreationStatements, Is.EqualTo(roleBefore?.CreationStatements), "the database role's statements intact");
            Assert.That(lease.Id, Is.EqualTo(oldCreds.LeaseId), "the old lease is still tracked");
            Assert.That(lease.Ttl, Is.GreaterThan(TimeSpan.Zero), "the old lease is still live");
            Assert.That(ciLogin.Policies, Does.Contain(AppWorld.App + "-ops"), "CI logs in again with its policy");
            Assert.That(await App.TryLoginAsync(oldCreds, cancellationToken), Is.Null, "the old login still works");
        });
        Timeline.Asserted("data, version, mounts, auth methods, policies, role, old lease, CI login: all intact");
        await AssertSteadyStateAsync(sandbox, cancellationToken);
    }

    private void AssertSealed503(VaultSealedException e, string what)
    {
        Assert.Multiple(() =>
        {
            Assert.That(e.StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable), what + ": 503");
            Assert.That(e.HasError("Vault is sealed"), Is.True, what + ": 'Vault is sealed'");
        });
        Timeline.Observe($"{what}: 503 Vault is sealed");
    }
}
