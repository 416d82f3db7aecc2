using System.Globalization;
using System.Net;
using NUnit.Framework;
using Sandbox.Harness.Faults;
using Sandbox.Harness.Reporting;
using Sandbox.Harness.Runtimes;
using Sandbox.Harness.Vault;
using Sandbox.Scenarios.Infrastructure;

namespace Sandbox.Scenarios.Suites;

/// <summary>
/// Chaos: executes a seeded <see cref="ChaosPlan"/> (SANDBOX_CHAOS_SEED, SANDBOX_CHAOS_ROUNDS;
/// default seed 1, 3 rounds, non-destructive faults) against one sandbox: each round waits in
/// the steady state, injects its fault, holds it, observes, recovers, and checks the steady state
/// again (secret reads back, new credentials log in, canary untouched). Each round is its own
/// scenario in the evidence (<c>chaos/round-NN-&lt;fault&gt;</c>).
/// </summary>
[TestFixture]
[Category("Chaos")]
[NonParallelizable]
public sealed class ChaosScenarios : AppWorldSuite
{
    public const string SeedVariable = "SANDBOX_CHAOS_SEED";
    public const string RoundsVariable = "SANDBOX_CHAOS_ROUNDS";


    protected override string SuiteName => "chaos";

    /// <summary>The plan from the environment.</summary>
    internal static ChaosPlan PlanFromEnvironment()
    {
        var seed = ReadInt(SeedVariable, 1);
        var rounds = ReadInt(RoundsVariable, 3);
        return ChaosPlan.Create(seed, rounds);
    }

    [Test]
    [CancelAfter(600_000)]
    public async Task Seeded_plan_runs_with_steady_state_checks_between_rounds(CancellationToken cancellationToken)
    {
        var plan = PlanFromEnvironment();
        Assert.That(plan.IncludesDestructive, Is.False, "the chaos suite runs non-destructive faults only");
        await TestContext.Progress.WriteLineAsync(plan.Describe().TrimEnd());
        Timeline.Note(plan.Describe().Split('\n')[0]);
        Timeline.EnterPhase(ScenarioPhase.SteadyState);
        await SteadyStateAsync(Timeline, cancellationToken);

        var failures = new List<string>();
        foreach (var round in plan.Rounds)
        {
            var timeline = new ScenarioTimeline(TimeProvider.System);
            string? failure = null;
            try
            {
                await RunRoundAsync(round, timeline, cancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                failure = e.Message;
                failures.Add($"round {round.Number} ({FaultCatalog.NameOf(round.Fault)}): {e.Message}");
            }

            var name = string.Create(CultureInfo.InvariantCulture, $"chaos/round-{round.Number:00}-{FaultCatalog.NameOf(round.Fault)}");
            await Env.Evidence.WriteScenarioAsync(timeline.ToResult(name, failure is null ? ScenarioVerdict.Passed : ScenarioVerdict.Failed, failure, "chaos"), cancellationToken);
            Timeline.Observe($"{round.Describe()}: {(failure is null ? "passed" : "FAILED")}");
            await TestContext.Progress.WriteLineAsync($"chaos {round.Describe()}: {(failure is null ? "passed" : "FAILED: " + failure)}");
            if (failure is not null)
            {
                break;
            }
        }

        Assert.That(failures, Is.Empty, "every round recovers to the steady state");
        await AssertSteadyStateAsync(Sandbox, cancellationToken);
    }

    private async Task RunRoundAsync(ChaosRound round, ScenarioTimeline timeline, CancellationToken cancellationToken)
    {
        var sandbox = Sandbox;
        timeline.Note(round.Describe());
        timeline.EnterPhase(ScenarioPhase.SteadyState);
        await WaitOnTimeAsync("chaos-wait", async () => { await Task.Delay(TimeSpan.FromSeconds(round.WaitSeconds), cancellationToken); return 0; });
        await SteadyStateAsync(timeline, cancellationToken);

        var hold = TimeSpan.FromSeconds(round.HoldSeconds);
        timeline.EnterPhase(ScenarioPhase.Fault);
        timeline.Mark("fault");
        switch (round.Fault)
        {
            case FaultKind.RestartVaultGraceful or FaultKind.RestartVaultKill:
                var kill = round.Fault == FaultKind.RestartVaultKill;
                timeline.Fault(kill ? "kill -9 Vault" : "stop Vault gracefully");
                await NecessaryWaits.TimeAsync("restart", "chaos", () => sandbox.StopVaultAsync(kill, cancellationToken));
                await WaitOnTimeAsync("chaos-hold", async () => { await Task.Delay(hold, cancellationToken); return 0; });
                await NecessaryWaits.TimeAsync("restart", "chaos", () => sandbox.StartVaultAsync(cancellationToken));
                timeline.Mark("restarted");
                timeline.Measure(TimingNames.TimeToRestart, "fault", "restarted");
                await ObserveSealedAndUnsealAsync(timeline, cancellationToken);
                break;

            case FaultKind.Seal:
                timeline.Fault("seal Vault through sys/seal");
                await sandbox.SealAsync(cancellationToken);
                await WaitOnTimeAsync("chaos-hold", async () => { await Task.Delay(hold, cancellationToken); return 0; });
                await ObserveSealedAndUnsealAsync(timeline, cancellationToken);
                break;

            case FaultKind.StopPostgres:
                timeline.Fault("stop PostgreSQL");
                var port = sandbox.Postgres.Port;
                await sandbox.StopPostgresAsync(cancellationToken);
                var refused = Assert.CatchAsync<VaultApiException>(() => App.IssueAsync(null, cancellationToken))!;
                timeline.Observe($"with PostgreSQL down, new credentials fail ({(int)refused.StatusCode})");
                Assert.That((await sandbox.Unauthenticated.GetHealthAsync(cancellationToken: cancellationToken)).StatusCode, Is.EqualTo(HttpStatusCode.OK), "Vault itself stays healthy");
                await WaitOnTimeAsync("chaos-hold", async () => { await Task.Delay(hold, cancellationToken); return 0; });
                timeline.EnterPhase(ScenarioPhase.Recovery);
                await sandbox.StartPostgresAsync(cancellationToken);
                Assert.That(sandbox.Postgres.Port, Is.EqualTo(port), "PostgreSQL comes back on the same port (Vault's connection names it)");
                timeline.Recover("PostgreSQL started again");
                var back = await EventuallyAsync(async () => await TryIssueAndLoginAsync(cancellationToken), TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(250), cancellationToken);
                Assert.That(back, Is.True, "credentials issue and log in again within 30 s of PostgreSQL's return");
                timeline.Mark("first-credential");
                timeline.Measure(TimingNames.TimeToFirstCredential, "fault", "first-credential");
                break;

            case FaultKind.ShortLeaseTtl:
                var ttl = TimeSpan.FromSeconds(Math.Max(1, round.HoldSeconds));
                timeline.Fault($"short-TTL overlay on the {AppWorld.App} role: {ttl.TotalSeconds:0} s");
                try
                {
                    await App.OverlayTtlAsync(ttl, ttl, cancellationToken);
                    var creds = await App.IssueAsync(null, cancellationToken);
                    var lease = await sandbox.Root.LookupLeaseAsync(creds.LeaseId, cancellationToken);
                    Assert.That(await App.TryLoginAsync(creds, cancellationToken), Is.Null);
                    var revocation = RevocationTiming.Of(sandbox);
                    timeline.Observe(revocation.Describe());
                    var gone = await WaitOnTimeAsync("ttl", () => EventuallyAsync(async () => !await App.RoleExistsAsync(creds.Username, cancellationToken), ttl + TimeSpan.FromSeconds(1) + revocation.Bound, TimeSpan.FromMilliseconds(100), cancellationToken));
                    Assert.That(gone, Is.True, revocation.Failure(sandbox, "the short lease's role is not dropped after it expired", creds.LeaseId));
                    var now = TimeProvider.System.GetUtcNow();
                    timeline.Measure(TimingNames.LeaseRevocationLag, lease.ExpireTime!.Value, now < lease.ExpireTime.Value ? lease.ExpireTime.Value : now);
                    timeline.Observe("the short lease expired and its role is gone");
                }
                finally
                {
                    timeline.EnterPhase(ScenarioPhase.Recovery);
                    await App.RestoreRoleAsync(CancellationToken.None);
                    timeline.Recover("the replayed role (production TTLs) restored");
                }

                break;

            default:
                Assert.Fail($"The chaos suite does not run the destructive fault {FaultCatalog.NameOf(round.Fault)}; the lost-key and broken-unseal suites cover it.");
                break;
        }

        timeline.EnterPhase(ScenarioPhase.SteadyState);
        await SteadyStateAsync(timeline, cancellationToken);
    }

    private async Task ObserveSealedAndUnsealAsync(ScenarioTimeline timeline, CancellationToken cancellationToken)
    {
        timeline.EnterPhase(ScenarioPhase.Sealed);
        var status = await Sandbox.Unauthenticated.GetSealStatusAsync(cancellationToken);
        Assert.That(status is { Initialized: true, Sealed: true }, Is.True, "sealed");
        Assert.That((await Sandbox.Unauthenticated.GetHealthAsync(cancellationToken: cancellationToken)).StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable));
        var e = Assert.ThrowsAsync<VaultSealedException>(() => Sandbox.Root.KvV2ReadAsync(AppWorld.KvMount, AppWorld.SecretPath, cancellationToken: cancellationToken))!;
        Assert.That(e.HasError("Vault is sealed"), Is.True);
        timeline.Observe("sealed: seal-status sealed, health 503, reads 503 Vault is sealed");

        timeline.EnterPhase(ScenarioPhase.Recovery);
        timeline.Mark("unseal-start");
        Assert.That((await Sandbox.UnsealFromKeyFileAsync(cancellationToken)).Sealed, Is.False);
        timeline.Mark("unsealed");
        timeline.Measure(TimingNames.TimeToUnseal, "unseal-start", "unsealed");
        timeline.Measure(TimingNames.TimeSealed, "fault", "unsealed");
        timeline.Recover("unsealed with the sandbox key");
        Assert.That(await TryIssueAndLoginAsync(cancellationToken), Is.True, "new credentials log in after unseal");
        timeline.Mark("first-credential");
        timeline.Measure(TimingNames.TimeToFirstCredential, "unsealed", "first-credential");
    }

    private async Task SteadyStateAsync(ScenarioTimeline timeline, CancellationToken cancellationToken)
    {
        var seal = await Sandbox.Unauthenticated.GetSealStatusAsync(cancellationToken);
        var secret = await Sandbox.Root.KvV2ReadAsync(AppWorld.KvMount, AppWorld.SecretPath, cancellationToken: cancellationToken);
        var login = await TryIssueAndLoginAsync(cancellationToken);
        Assert.Multiple(() =>
        {
            Assert.That(seal.Sealed, Is.False, "steady state: unsealed");
            Assert.That(secret?.Data?["API_KEY"]?.GetValue<string>(), Is.EqualTo(App.SecretValue), "steady state: the secret reads back");
            Assert.That(login, Is.True, "steady state: new credentials log in");
            Assert.That(Env.Canary.Connections, Is.Zero, "steady state: the canary is untouched");
        });
        timeline.Asserted("steady state: unsealed, secret reads back, new credentials log in, canary untouched");
    }

    private async Task<bool> TryIssueAndLoginAsync(CancellationToken cancellationToken)
    {
        try
        {
            var creds = await App.IssueAsync(null, cancellationToken);
            return await App.TryLoginAsync(creds, cancellationToken) is null;
        }
        catch (VaultApiException)
        {
            return false;
        }
    }

    private static int ReadInt(string variable, int fallback)
    {
        var text = Environment.GetEnvironmentVariable(variable);
        if (string.IsNullOrWhiteSpace(text))
        {
            return fallback;
        }

        return int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new ArgumentException($"{variable}={text} is not an integer.");
    }
}
