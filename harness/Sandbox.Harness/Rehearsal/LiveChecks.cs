using System.Diagnostics;
using System.Globalization;
using System.Net;
using Npgsql;
using Sandbox.Harness.Replay;
using Sandbox.Harness.Reporting;
using Sandbox.Harness.Runtimes;
using Sandbox.Harness.Topology;
using Sandbox.Harness.Vault;
using Sandbox.Harness.Vault.Models;

namespace Sandbox.Harness.Rehearsal;

/// <summary>
/// rehearse's built-in live checks, run against the running sandbox before and after the change
/// (the scenario suites of <c>scenarios/</c> start their own sandboxes and cannot attach to this
/// one yet). Each check is a scenario in the evidence:
/// <list type="bullet">
/// <item><c>name-parity/&lt;app&gt;</c>: a token with the app's Kubernetes-role policies reads its own
/// seed and gets 403 on every other app's seed;</item>
/// <item><c>lease-expiry/&lt;app&gt;</c>: it gets PostgreSQL credentials whose lease leaves a consumer that
/// refetches at 2/3 of it the refresh budget, logs in with them, and a renewal stays within
/// <c>max_ttl</c>;</item>
/// <item><c>sealed-restart</c>: Vault restarts sealed, unseals from the key file, and the seeds read back.</item>
/// </list>
/// </summary>
internal static class LiveChecks
{
    /// <summary>The scenario name of the restart check.</summary>
    public const string SealedRestart = "sealed-restart";

    /// <summary>
    /// How a progress message that only says what is running now begins: a terminal may draw it as a
    /// live line that the next one replaces; plain output prints it as a line like the others.
    /// </summary>
    public const string StatusPrefix = "… ";

    /// <summary>Runs every check on a sandbox that has <paramref name="topology"/> replayed.</summary>
    /// <param name="sandbox">The running sandbox.</param>
    /// <param name="topology">The topology in force.</param>
    /// <param name="parts">What replay applied (database checks need <see cref="ReplayParts.Database"/>).</param>
    /// <param name="ttl">The lease-expiry expectations.</param>
    /// <param name="timeProvider">The clock.</param>
    /// <param name="suite">The evidence suite name (<c>baseline</c> or <c>after-change</c>).</param>
    /// <param name="timingSamples">
    /// How many times a check that measures timings runs, so that the before/after comparison has
    /// samples to measure the noise with (<see cref="TimingRule"/>); the result keeps every sample
    /// and the median. Checks without timings run once.
    /// </param>
    /// <param name="progress">
    /// Told what runs (a <see cref="StatusPrefix"/> message as each check and each timing sample starts)
    /// and each check's verdict as it ends; null for none.
    /// </param>
    /// <param name="cancellationToken">Cancels the checks.</param>
    /// <returns>One result per check.</returns>
    public static async Task<IReadOnlyList<ScenarioResult>> RunAsync(
        SandboxHandle sandbox,
        TopologySpec topology,
        ReplayParts parts,
        TtlExpectations ttl,
        TimeProvider timeProvider,
        string suite,
        int timingSamples,
        IProgress<string>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(timingSamples, 1);
        ArgumentNullException.ThrowIfNull(sandbox);
        ArgumentNullException.ThrowIfNull(topology);
        ArgumentNullException.ThrowIfNull(ttl);
        ArgumentNullException.ThrowIfNull(timeProvider);
        var plan = TopologyPlan.From(topology);
        var results = new List<ScenarioResult>();
        foreach (var app in topology.Apps)
        {
            results.Add(await CheckAsync($"name-parity/{app.Slug}", suite, timeProvider, timingSamples, progress, t => NameParityAsync(sandbox, topology, plan, app, t, cancellationToken)).ConfigureAwait(false));
            if (parts.HasFlag(ReplayParts.Database))
            {
                results.Add(await CheckAsync($"{TtlExpectations.Scenario}/{app.Slug}", suite, timeProvider, timingSamples, progress, t => LeaseAsync(sandbox, topology, plan, app, ttl, t, cancellationToken)).ConfigureAwait(false));
            }
        }

        results.Add(await CheckAsync(SealedRestart, suite, timeProvider, timingSamples, progress, t => SealedRestartAsync(sandbox, topology, parts, t, cancellationToken)).ConfigureAwait(false));
        return results;
    }

    /// <summary>
    /// Runs one check; when it measured timings, runs it again until there are
    /// <paramref name="samples"/> of each. The first run's timeline is the evidence; the result
    /// carries every sample and their medians. The first failing run decides the verdict.
    /// </summary>
    private static async Task<ScenarioResult> CheckAsync(string name, string suite, TimeProvider clock, int samples, IProgress<string>? progress, Func<ScenarioTimeline, Task> body)
    {
        progress?.Report($"{StatusPrefix}{suite}: {name}");
        var result = await SampleAsync(name, suite, clock, samples, progress, body).ConfigureAwait(false);
        progress?.Report($"  {(result.Passed ? "passed" : "FAILED")} {name}{(result.TimingSamples is { Count: > 0 } ? $" ({samples} timing samples)" : string.Empty)}{(result.Passed ? string.Empty : ": " + result.FailureMessage)}");
        return result;
    }

    private static async Task<ScenarioResult> SampleAsync(string name, string suite, TimeProvider clock, int samples, IProgress<string>? progress, Func<ScenarioTimeline, Task> body)
    {
        var first = await CheckOnceAsync(name, suite, clock, body).ConfigureAwait(false);
        if (!first.Passed || first.Timings.Count == 0 || samples <= 1)
        {
            return first;
        }

        var runs = new List<ScenarioResult> { first };
        while (runs.Count < samples)
        {
            progress?.Report(string.Create(CultureInfo.InvariantCulture, $"{StatusPrefix}{suite}: {name}, timing sample {runs.Count + 1} of {samples}"));
            var again = await CheckOnceAsync(name, suite, clock, body).ConfigureAwait(false);
            if (!again.Passed)
            {
                return again with { FailureMessage = $"run {runs.Count + 1} of {samples}: {again.FailureMessage}" };
            }

            runs.Add(again);
        }

        var all = first.Timings.Keys.ToDictionary(
            k => k,
            k => (IReadOnlyList<double>)[.. runs.Where(r => r.Timings.ContainsKey(k)).Select(r => r.Timings[k])],
            StringComparer.Ordinal);
        var note = new TimelineEvent(runs[^1].EndedAt, Math.Round((runs[^1].EndedAt - first.StartedAt).TotalMilliseconds, 3), TimelineEventKind.Note, ScenarioPhase.SteadyState,
            string.Create(CultureInfo.InvariantCulture, $"ran {samples} times for the timing samples: {string.Join("; ", all.Select(kv => $"{kv.Key} [{string.Join(", ", kv.Value.Select(v => v.ToString("0", CultureInfo.InvariantCulture)))}] ms"))}"));
        return first with
        {
            EndedAt = runs[^1].EndedAt,
            Timings = all.ToDictionary(kv => kv.Key, kv => TimingRule.Median(kv.Value), StringComparer.Ordinal),
            TimingSamples = all,
            Events = [.. first.Events, note],
        };
    }

    private static async Task<ScenarioResult> CheckOnceAsync(string name, string suite, TimeProvider clock, Func<ScenarioTimeline, Task> body)
    {
        var timeline = new ScenarioTimeline(clock);
        try
        {
            await body(timeline).ConfigureAwait(false);
            return timeline.ToResult(name, ScenarioVerdict.Passed, suite: suite);
        }
        catch (LiveCheckFailedException ex)
        {
            timeline.Observe(ex.Message);
            return timeline.ToResult(name, ScenarioVerdict.Failed, ex.Message, suite);
        }
        catch (SandboxException ex)
        {
            timeline.Observe(ex.Message);
            return timeline.ToResult(name, ScenarioVerdict.Failed, ex.Message, suite);
        }
        catch (NpgsqlException ex)
        {
            timeline.Observe("PostgreSQL: " + ex.Message);
            return timeline.ToResult(name, ScenarioVerdict.Failed, "PostgreSQL: " + ex.Message, suite);
        }
    }

    private static async Task<VaultClient> AppTokenAsync(SandboxHandle sandbox, TopologyPlan plan, string slug, ScenarioTimeline t, CancellationToken cancellationToken)
    {
        var role = plan.KubernetesRoles.First(r => r.Name == slug);
        var auth = await sandbox.Root.CreateTokenAsync(new TokenCreateRequest
        {
            Policies = role.TokenPolicies,
            Ttl = TimeSpan.FromHours(1),
            DisplayName = "rehearse-" + slug,
        }, cancellationToken).ConfigureAwait(false);
        t.Step($"token with the policies of auth/{role.Mount}/role/{slug}: [{string.Join(", ", role.TokenPolicies)}] (made by root: this runtime has no cluster to log in through)");
        return sandbox.Root.WithToken(auth.ClientToken);
    }

    private static async Task NameParityAsync(SandboxHandle sandbox, TopologySpec topology, TopologyPlan plan, AppSpec app, ScenarioTimeline t, CancellationToken cancellationToken)
    {
        t.EnterPhase(ScenarioPhase.SteadyState);
        var token = await AppTokenAsync(sandbox, plan, app.Slug, t, cancellationToken).ConfigureAwait(false);
        foreach (var seed in app.KvSeeds.Keys)
        {
            var own = await token.KvV2ReadAsync(topology.KvMount, $"{app.Slug}/{seed}", cancellationToken: cancellationToken).ConfigureAwait(false);
            if (own?.Data is null)
            {
                throw new LiveCheckFailedException($"the {app.Slug} token cannot read its own {topology.KvMount}/data/{app.Slug}/{seed}");
            }

            t.Asserted($"reads its own {topology.KvMount}/data/{app.Slug}/{seed}");
        }

        var reached = new List<string>();
        foreach (var other in topology.Apps.Where(a => a.Slug != app.Slug))
        {
            foreach (var seed in other.KvSeeds.Keys)
            {
                var path = $"{topology.KvMount}/data/{other.Slug}/{seed}";
                try
                {
                    _ = await token.KvV2ReadAsync(topology.KvMount, $"{other.Slug}/{seed}", cancellationToken: cancellationToken).ConfigureAwait(false);
                    reached.Add(path);
                    t.Observe($"READ {path}: another app's secret");
                }
                catch (VaultApiException ex) when (ex.StatusCode == HttpStatusCode.Forbidden)
                {
                    t.Asserted($"403 on {path}");
                }
            }
        }

        if (reached.Count > 0)
        {
            throw new LiveCheckFailedException($"the {app.Slug} token read another app's secrets: {string.Join(", ", reached)}");
        }
    }

    private static async Task LeaseAsync(SandboxHandle sandbox, TopologySpec topology, TopologyPlan plan, AppSpec app, TtlExpectations ttl, ScenarioTimeline t, CancellationToken cancellationToken)
    {
        t.EnterPhase(ScenarioPhase.SteadyState);
        var token = await AppTokenAsync(sandbox, plan, app.Slug, t, cancellationToken).ConfigureAwait(false);
        t.Mark("request");
        var creds = await token.DatabaseGetCredentialsAsync(topology.Database.Mount, app.Slug, cancellationToken).ConfigureAwait(false);
        t.Mark("credential");
        t.Measure(TimingNames.TimeToFirstCredential, "request", "credential");
        try
        {
            var lease = (long)creds.LeaseDuration.TotalSeconds;
            t.Observe($"Vault issued a {lease}s lease on {topology.Database.Mount}/creds/{app.Slug}");
            await LoginAsync(sandbox, creds, cancellationToken).ConfigureAwait(false);
            t.Asserted("the credentials log in to PostgreSQL");

            var max = app.Database.MaxTtl.Seconds;
            var renewal = await sandbox.Root.RenewLeaseAsync(creds.LeaseId, TimeSpan.FromSeconds(max * 2), cancellationToken).ConfigureAwait(false);
            if (renewal.LeaseDuration.TotalSeconds > max + 1)
            {
                throw new LiveCheckFailedException($"a renewal asking for {max * 2}s got {(long)renewal.LeaseDuration.TotalSeconds}s, beyond max_ttl {max}s");
            }

            t.Asserted($"a renewal stays within max_ttl {max}s ({(long)renewal.LeaseDuration.TotalSeconds}s left)");
            var window = lease / 3;
            if (window < ttl.RefreshBudget.Seconds)
            {
                throw new LiveCheckFailedException(
                    $"the {lease}s lease leaves a consumer that refetches at 2/3 of it (as the Vault Secrets Operator does) {window}s to fetch and log in again, under the {ttl.RefreshBudget.Seconds}s refresh budget");
            }

            t.Asserted($"a consumer refetching at 2/3 of the lease keeps {window}s ≥ the {ttl.RefreshBudget.Seconds}s refresh budget");
        }
        finally
        {
            await sandbox.Root.RevokeLeaseAsync(creds.LeaseId, cancellationToken).ConfigureAwait(false);
        }
    }

    private static async Task LoginAsync(SandboxHandle sandbox, DatabaseCredentials creds, CancellationToken cancellationToken)
    {
        var cs = new NpgsqlConnectionStringBuilder
        {
            Host = sandbox.Postgres.Host,
            Port = sandbox.Postgres.Port,
            Username = creds.Username,
            Password = creds.Password,
            Database = "postgres",
            Pooling = false,
            Timeout = 10,
        }.ConnectionString;
        var source = sandbox.Guard.CreateNpgsqlDataSource(cs, "sandbox rehearse: lease-expiry");
        await using (source.ConfigureAwait(false))
        {
            var connection = await source.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            await using (connection.ConfigureAwait(false))
            {
                var command = new NpgsqlCommand("SELECT 1", connection);
                await using (command.ConfigureAwait(false))
                {
                    _ = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
                }
            }
        }
    }

    /// <summary>
    /// What follows a restart of Vault (the caller marked <c>stopping</c>, then restarted it): times the restart,
    /// checks Vault came back sealed, unseals it from the sandbox's key file, and times the unseal and the whole
    /// time sealed. Shared by the sealed-restart check and the version change.
    /// </summary>
    /// <param name="sandbox">The sandbox.</param>
    /// <param name="t">The scenario's timeline.</param>
    /// <param name="cameUpUnsealed">The failure when Vault came back unsealed.</param>
    /// <param name="sealedNote">What to observe of the sealed status.</param>
    /// <param name="recovery">The recovery step's name.</param>
    /// <param name="stillSealed">The failure when the unseal left Vault sealed.</param>
    /// <param name="cancellationToken">Cancels the calls.</param>
    /// <exception cref="LiveCheckFailedException">Vault came back unsealed, or stayed sealed after the unseal.</exception>
    internal static async Task UnsealAfterRestartAsync(
        SandboxHandle sandbox,
        ScenarioTimeline t,
        string cameUpUnsealed,
        Func<SealStatus, string> sealedNote,
        string recovery,
        string stillSealed,
        CancellationToken cancellationToken)
    {
        t.Mark("restarted");
        t.Measure(TimingNames.TimeToRestart, "stopping", "restarted");
        t.EnterPhase(ScenarioPhase.Sealed);
        var status = await sandbox.Unauthenticated.GetSealStatusAsync(cancellationToken).ConfigureAwait(false);
        if (!status.Sealed)
        {
            throw new LiveCheckFailedException(cameUpUnsealed);
        }

        t.Observe(sealedNote(status));
        t.EnterPhase(ScenarioPhase.Recovery);
        t.Recover(recovery);
        t.Mark("unsealing");
        var after = await sandbox.UnsealFromKeyFileAsync(cancellationToken).ConfigureAwait(false);
        t.Mark("unsealed");
        t.Measure(TimingNames.TimeToUnseal, "unsealing", "unsealed");
        t.Measure(TimingNames.TimeSealed, "stopping", "unsealed");
        if (after.Sealed)
        {
            throw new LiveCheckFailedException(stillSealed);
        }
    }

    private static async Task SealedRestartAsync(SandboxHandle sandbox, TopologySpec topology, ReplayParts parts, ScenarioTimeline t, CancellationToken cancellationToken)
    {
        t.EnterPhase(ScenarioPhase.SteadyState);
        var seeds = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var app in topology.Apps)
        {
            foreach (var seed in app.KvSeeds.Keys)
            {
                var secret = await sandbox.Root.KvV2ReadAsync(topology.KvMount, $"{app.Slug}/{seed}", cancellationToken: cancellationToken).ConfigureAwait(false);
                seeds[$"{app.Slug}/{seed}"] = secret?.Data?.ToJsonString() ?? "";
            }
        }

        t.Asserted($"{seeds.Count} seed(s) read before the restart");
        t.EnterPhase(ScenarioPhase.Fault);
        t.Fault("restart Vault (SIGTERM)");
        t.Mark("stopping");
        await sandbox.RestartVaultAsync(kill: false, cancellationToken).ConfigureAwait(false);
        await UnsealAfterRestartAsync(
            sandbox,
            t,
            cameUpUnsealed: "Vault came back unsealed after a restart",
            sealedNote: _ => "seal-status: sealed",
            recovery: "unseal with the sandbox key",
            stillSealed: "Vault is still sealed after the unseal",
            cancellationToken).ConfigureAwait(false);

        t.EnterPhase(ScenarioPhase.SteadyState);
        foreach (var (path, before) in seeds)
        {
            var secret = await sandbox.Root.KvV2ReadAsync(topology.KvMount, path, cancellationToken: cancellationToken).ConfigureAwait(false);
            if ((secret?.Data?.ToJsonString() ?? "") != before)
            {
                throw new LiveCheckFailedException($"{topology.KvMount}/data/{path} changed across the restart");
            }
        }

        t.Asserted("every seed reads back unchanged");
        if (parts.HasFlag(ReplayParts.Database) && topology.Apps.Count > 0)
        {
            var watch = Stopwatch.StartNew();
            var creds = await sandbox.Root.DatabaseGetCredentialsAsync(topology.Database.Mount, topology.Apps[0].Slug, cancellationToken).ConfigureAwait(false);
            await sandbox.Root.RevokeLeaseAsync(creds.LeaseId, cancellationToken).ConfigureAwait(false);
            t.MeasureSince(TimingNames.TimeToFirstCredential, "unsealed");
            t.Asserted($"new credentials issue after the unseal ({watch.ElapsedMilliseconds.ToString(CultureInfo.InvariantCulture)} ms)");
        }
    }
}
