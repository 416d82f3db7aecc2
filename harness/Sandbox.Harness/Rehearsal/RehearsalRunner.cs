using System.Globalization;
using Sandbox.Harness.Replay;
using Sandbox.Harness.Reporting;
using Sandbox.Harness.Runtimes;
using Sandbox.Harness.Topology;
using Sandbox.Harness.Vault;

namespace Sandbox.Harness.Rehearsal;

/// <summary>
/// The live rehearsal: bring up a sandbox with the <b>current</b> topology, replay it, run the
/// checks as the baseline; apply the change <b>in place</b> (replay the changed topology into the
/// same running Vault); run the checks again; run the drift check against the changed topology;
/// then GO or NO-GO, and the evidence pack. The sandbox is removed at the end. The change must
/// have been loaded (and its endpoints judged by the guard) by <see cref="RehearsalChangeLoader"/>.
/// </summary>
internal sealed class RehearsalRunner
{
    private readonly SandboxManager _manager;
    private readonly TimeProvider _time;

    /// <summary>Creates a runner.</summary>
    /// <param name="manager">Creates the sandbox (its guard is the run's guard; give it a file audit log for the evidence).</param>
    /// <param name="timeProvider">The clock; system when null.</param>
    public RehearsalRunner(SandboxManager manager, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(manager);
        _manager = manager;
        _time = timeProvider ?? TimeProvider.System;
    }

    /// <summary>Runs the rehearsal and writes the evidence pack.</summary>
    /// <param name="change">The loaded change.</param>
    /// <param name="analysis">Its static analysis (<see cref="RehearsalAnalyzer.Analyze"/>).</param>
    /// <param name="rules">The NO-GO rules (for the lease-expiry expectations).</param>
    /// <param name="options">Runtime, report folder and thresholds.</param>
    /// <param name="progress">Receives one line per step; may be null.</param>
    /// <param name="cancellationToken">Cancels the run; the sandbox is removed.</param>
    /// <returns>The outcome.</returns>
    /// <exception cref="RehearsalUnsupportedException">The change switches the Vault version (not implemented live); nothing was created.</exception>
    public async Task<RehearsalOutcome> RunAsync(
        RehearsalChange change,
        StaticAnalysis analysis,
        NoGoRuleSet rules,
        RehearsalRunOptions options,
        IProgress<string>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(change);
        ArgumentNullException.ThrowIfNull(analysis);
        ArgumentNullException.ThrowIfNull(rules);
        ArgumentNullException.ThrowIfNull(options);
        EnsureSupported(change, options.Runtime);

        var started = _time.GetUtcNow();
        progress?.Report($"bringing up a {options.Runtime.ToString().ToLowerInvariant()} sandbox with the current topology");
        var sandbox = await _manager.UpAsync(new SandboxOptions { Runtime = options.Runtime, Name = options.SandboxName }, cancellationToken).ConfigureAwait(false);
        await using (sandbox.ConfigureAwait(false))
        {
            var baselineVault = ToVaultInfo(sandbox.Vault);
            var runtime = sandbox.Runtime.ToString().ToLowerInvariant();
            progress?.Report($"sandbox {sandbox.Name}: {sandbox.Vault.Describe()} at {sandbox.Address}");

            var replayer = new TopologyReplayer(sandbox.Root, sandbox.Guard);
            var withDatabase = await SupportsDatabaseAsync(sandbox.Root, cancellationToken).ConfigureAwait(false);
            var notes = new List<string>(analysis.Notes);
            if (!withDatabase)
            {
                const string note = "this Vault has no database secrets engine: the database part of the topology was not replayed and the live lease-expiry checks did not run (the static TTL rules still apply)";
                notes.Add(note);
                progress?.Report(note);
            }

            var baseOptions = new ReplayOptions { Postgres = withDatabase ? sandbox.Postgres : null };
            var parts = baseOptions.Parts;
            var replayed = await replayer.ReplayAsync(change.BaseTopology, baseOptions, cancellationToken).ConfigureAwait(false);
            progress?.Report("replayed the current topology: " + replayed.Summary);

            var baseline = new List<ScenarioResult>(RehearsalAnalyzer.ToScenarioResults(analysis.BaselineViolations, analysis.RulesChecked, _time).Select(r => r with { Suite = "baseline" }));
            baseline.Add(await DriftCheckAsync(sandbox.Root, change.BasePlan, parts, "drift", "baseline", cancellationToken).ConfigureAwait(false));
            Report(progress, baseline);
            progress?.Report("baseline: running the live checks");
            baseline.AddRange(await LiveChecks.RunAsync(sandbox, change.BaseTopology, parts, rules.Ttl, _time, "baseline", options.TimingSamples, progress, cancellationToken).ConfigureAwait(false));

            progress?.Report("applying the change in place: " + change.Description);
            var after = new List<ScenarioResult>(RehearsalAnalyzer.ToScenarioResults(analysis.Violations, analysis.RulesChecked, _time).Select(r => r with { Suite = "after-change" }));
            if (change.VaultBinary is { } binary)
            {
                after.Add(await UpgradeAsync(sandbox, binary, cancellationToken).ConfigureAwait(false));
                progress?.Report("Vault now: " + sandbox.Vault.Describe());
            }

            after.Add(await ApplyAsync(replayer, change, ChangedOptions(change, sandbox, withDatabase), cancellationToken).ConfigureAwait(false));
            var changedParts = ChangedOptions(change, sandbox, withDatabase).Parts;
            DriftReport? drift = null;
            var leftovers = new List<DriftItem>();
            try
            {
                drift = await new ObservedStateReader(sandbox.Root).CompareAsync(change.ChangedPlan, changedParts, cancellationToken).ConfigureAwait(false);
                leftovers = ExpectedLeftovers(drift, analysis.NamesRemoved);
                after.Add(DriftResult(drift, leftovers, "drift", "after-change"));
            }
            catch (SandboxException ex)
            {
                after.Add(new ScenarioTimeline(_time).ToResult("drift", ScenarioVerdict.Failed, "the drift check could not read the sandbox: " + ex.Message, "after-change"));
            }

            var vault = ToVaultInfo(sandbox.Vault);
            Report(progress, after);
            progress?.Report("after the change: running the live checks");
            after.AddRange(await LiveChecks.RunAsync(sandbox, change.ChangedTopology, changedParts, rules.Ttl, _time, "after-change", options.TimingSamples, progress, cancellationToken).ConfigureAwait(false));

            if (options.Suites is { } suites)
            {
                // Both sides at once, each on its own sandboxes (the suites make their own): their waits (leases
                // running out, Vault restarting) overlap instead of adding up. The live checks above have ended, so
                // their timing samples were taken without the suites' load on either side.
                progress?.Report("running the scenario suites on the current topology (baseline) and on the changed one (after-change), both at once");
                // A suite scenario named like a live check keeps its own place in the diff.
                ScenarioResult Suite(ScenarioResult r, string side, List<ScenarioResult> checks) =>
                    r with { Name = checks.Any(c => c.Name == r.Name) ? r.Name + " (suite)" : r.Name, Suite = side };
                var before = suites("baseline", cancellationToken);
                var afterRun = suites("after-change", cancellationToken);
                await Task.WhenAll(before, afterRun).ConfigureAwait(false);
                var suitesBefore = (await before.ConfigureAwait(false)).Select(r => Suite(r, "baseline", baseline)).ToList();
                Report(progress, suitesBefore);
                baseline.AddRange(suitesBefore);
                var suitesAfter = (await afterRun.ConfigureAwait(false)).Select(r => Suite(r, "after-change", after)).ToList();
                Report(progress, suitesAfter);
                after.AddRange(suitesAfter);
            }

            var passToFail = RehearsalDiff.FindScenarioRegressions(baseline, after);
            var timings = RehearsalDiff.FindTimingRegressions(baseline, after, options.TimingRule);
            var reasons = new List<string>(analysis.Reasons);
            var afterByName = after.ToDictionary(r => r.Name, StringComparer.Ordinal);
            foreach (var name in passToFail.Where(n => !n.StartsWith("static/", StringComparison.Ordinal)))
            {
                var why = afterByName.TryGetValue(name, out var r) ? r.FailureMessage ?? "failed" : "did not run";
                reasons.Add($"scenario {name} passed before the change and fails after it: {why}");
            }

            foreach (var failed in after.Where(r => !r.Passed && !r.Name.StartsWith("static/", StringComparison.Ordinal) && !passToFail.Contains(r.Name) && !baseline.Any(b => b.Name == r.Name)))
            {
                reasons.Add($"{failed.Name} failed: {failed.FailureMessage}");
            }

            foreach (var t in timings)
            {
                reasons.Add(TimingReason(t, options.TimingRule));
            }

            if (timings.Count > 0 && reasons.Count == timings.Count)
            {
                notes.Add($"the NO-GO rests on timing alone ({timings.Count} timing(s)); every check passed on both sides. The rule: {options.TimingRule.Describe()}");
            }

            notes.AddRange(leftovers.Select(l => $"left in Vault by the in-place apply (replay does not delete): {l.Category} {l.Name}"));
            var verdict = reasons.Count == 0 ? RehearsalVerdict.Go : RehearsalVerdict.NoGo;
            var diff = new RehearsalDiff
            {
                NamesAdded = analysis.NamesAdded,
                NamesRemoved = analysis.NamesRemoved,
                CapabilityChanges = analysis.CapabilityChanges,
                ScenariosPassToFail = passToFail,
                TimingRegressions = timings,
            };

            var run = new RunInfo
            {
                Command = "rehearse",
                Runtime = runtime,
                Vault = vault,
                StartedAt = started,
                EndedAt = _time.GetUtcNow(),
                GuardAuditLogPath = sandbox.Guard.Audit.FilePath,
                VaultLogPath = File.Exists(sandbox.VaultLog) ? sandbox.VaultLog : null,
            };
            var pack = await EvidencePack.ComposeRehearsalAsync(options.ReportDirectory, run, new RehearsalEvidence
            {
                Verdict = verdict,
                Reasons = [.. reasons, .. notes.Select(n => "note: " + n)],
                Change = change.Description,
                BaselineVault = baselineVault == vault ? null : baselineVault,
                Baseline = baseline,
                After = after,
                Diff = diff,
            }, cancellationToken).ConfigureAwait(false);

            return new RehearsalOutcome
            {
                Verdict = verdict,
                Reasons = reasons,
                Notes = notes,
                Runtime = runtime,
                Vault = vault,
                Baseline = baseline,
                After = after,
                Drift = drift,
                Diff = diff,
                Pack = pack,
            };
        }
    }

    /// <summary>Refuses, before anything is created, a change this build cannot rehearse live.</summary>
    /// <param name="change">The loaded change.</param>
    /// <param name="runtime">The runtime asked for.</param>
    /// <exception cref="RehearsalUnsupportedException">A version change by image (docker, k3d), or by binary on another runtime than process.</exception>
    public static void EnsureSupported(RehearsalChange change, RuntimeKind runtime)
    {
        ArgumentNullException.ThrowIfNull(change);
        if (change.VaultImage is not null)
        {
            throw RehearsalUnsupportedException.VersionChange("--vault-image on the docker and k3d runtimes");
        }

        if (change.VaultBinary is not null && runtime is not (RuntimeKind.Process or RuntimeKind.Auto))
        {
            throw RehearsalUnsupportedException.VersionChange($"--vault-binary on the {runtime.ToString().ToLowerInvariant()} runtime");
        }
    }

    /// <summary>Maps the runtime's Vault kind to the report's.</summary>
    /// <param name="flavor">What the sandbox runs.</param>
    /// <returns>The report's Vault.</returns>
    public static VaultInfo ToVaultInfo(VaultFlavor flavor)
    {
        ArgumentNullException.ThrowIfNull(flavor);
        var kind = flavor.Kind switch
        {
            Runtimes.VaultKind.Double => Reporting.VaultKind.VaultDouble,
            Runtimes.VaultKind.OpenBao => Reporting.VaultKind.OpenBao,
            Runtimes.VaultKind.Vault => Reporting.VaultKind.HashiCorpVault,
            _ => Reporting.VaultKind.Unknown,
        };
        return new VaultInfo(kind, flavor.Version is "unknown" or "" ? null : flavor.Version);
    }

    /// <summary>How every timing reason begins, so that a NO-GO on timing alone can say so.</summary>
    public const string TimingReasonPrefix = "timing: ";

    /// <summary>A timing regression as a reason: the medians, the noise and every sample of both sides.</summary>
    /// <param name="t">The regression.</param>
    /// <param name="rule">The rule that flagged it.</param>
    /// <returns>The reason.</returns>
    public static string TimingReason(TimingRegression t, TimingRule rule)
    {
        ArgumentNullException.ThrowIfNull(t);
        ArgumentNullException.ThrowIfNull(rule);
        static string List(IReadOnlyList<double> samples) => string.Join(", ", samples.Select(s => s.ToString("0", CultureInfo.InvariantCulture)));
        return string.Create(CultureInfo.InvariantCulture,
            $"{TimingReasonPrefix}scenario {t.Scenario}: {t.Timing} median {t.BeforeMs:0} ms → {t.AfterMs:0} ms (samples before [{List(t.BeforeSamplesMs)}] ms, after [{List(t.AfterSamplesMs)}] ms; noise {t.NoiseMs:0} ms; {rule.Factor:0.##}× and {rule.MinimumIncreaseMs:0} ms slower, above {rule.NoiseMultiplier:0.##}× the noise)");
    }

    private static void Report(IProgress<string>? progress, IEnumerable<ScenarioResult> results)
    {
        foreach (var r in results.Where(r => !r.Name.StartsWith("static/", StringComparison.Ordinal)))
        {
            progress?.Report($"  {(r.Passed ? "passed" : "FAILED")} {r.Name}{(r.Passed ? "" : ": " + r.FailureMessage)}");
        }
    }

    /// <summary>
    /// Whether this Vault serves the database secrets engine: a throw-away database mount is
    /// enabled, its roles listed (an empty list on Vault), and disabled again.
    /// </summary>
    private static async Task<bool> SupportsDatabaseAsync(VaultClient root, CancellationToken cancellationToken)
    {
        var mount = "sandbox-rehearse-probe-" + Guid.NewGuid().ToString("N")[..8];
        await root.EnableSecretsEngineAsync(mount, new Vault.Models.MountRequest("database"), cancellationToken).ConfigureAwait(false);
        try
        {
            _ = await root.DatabaseListRolesAsync(mount, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (VaultApiException ex) when ((int)ex.StatusCode >= 500)
        {
            return false;
        }
        finally
        {
            await root.DisableSecretsEngineAsync(mount, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<ScenarioResult> UpgradeAsync(SandboxHandle sandbox, string binary, CancellationToken cancellationToken)
    {
        var t = new ScenarioTimeline(_time);
        t.EnterPhase(ScenarioPhase.Fault, "the version change, in place");
        t.Fault($"restart Vault on {binary} (was {sandbox.Vault.Describe()})");
        t.Mark("stopping");
        try
        {
            await sandbox.RestartVaultOnBinaryAsync(binary, kill: false, cancellationToken).ConfigureAwait(false);
            await LiveChecks.UnsealAfterRestartAsync(
                sandbox,
                t,
                cameUpUnsealed: "the new Vault came up unsealed",
                sealedNote: status => $"the new Vault is sealed (version {status.Version ?? "unknown"})",
                recovery: "unseal with the sandbox key, on the new version",
                stillSealed: "the new Vault is still sealed after the unseal",
                cancellationToken).ConfigureAwait(false);

            t.Asserted("unsealed on " + sandbox.Vault.Describe());
            return t.ToResult("upgrade", ScenarioVerdict.Passed, suite: "after-change");
        }
        catch (SandboxException ex)
        {
            t.Observe(ex.Message);
            return t.ToResult("upgrade", ScenarioVerdict.Failed, "the version change failed: " + ex.Message, "after-change");
        }
    }

    private static ReplayOptions ChangedOptions(RehearsalChange change, SandboxHandle sandbox, bool withDatabase)
    {
        string? Endpoint(string field) => change.Endpoints.LastOrDefault(e => e.VaultField == field)?.Value;
        var url = Endpoint("connection_url");
        return new ReplayOptions
        {
            Postgres = withDatabase ? sandbox.Postgres : null,
            ConnectionUrl = withDatabase ? url : null,
            KubernetesHost = Endpoint("kubernetes_host"),
            JwksUrl = Endpoint("jwks_url"),
            OidcDiscoveryUrl = Endpoint("oidc_discovery_url"),
        };
    }

    private async Task<ScenarioResult> ApplyAsync(TopologyReplayer replayer, RehearsalChange change, ReplayOptions options, CancellationToken cancellationToken)
    {
        var t = new ScenarioTimeline(_time);
        t.EnterPhase(ScenarioPhase.Fault, "apply the change in place");
        t.Fault("replay the changed topology into the running Vault: " + change.Description);
        try
        {
            var result = await replayer.ReplayAsync(change.ChangedTopology, options, cancellationToken).ConfigureAwait(false);
            foreach (var c in result.Changes.Where(c => c.IsWrite))
            {
                t.Step(c.ToString());
            }

            t.Asserted("applied: " + result.Summary);
            return t.ToResult("apply-change", ScenarioVerdict.Passed, suite: "after-change");
        }
        catch (SandboxException ex)
        {
            t.Observe(ex.Message);
            return t.ToResult("apply-change", ScenarioVerdict.Failed, "the change does not apply in place: " + ex.Message, "after-change");
        }
    }

    private async Task<ScenarioResult> DriftCheckAsync(VaultClient root, TopologyPlan plan, ReplayParts parts, string name, string suite, CancellationToken cancellationToken)
    {
        var drift = await new ObservedStateReader(root).CompareAsync(plan, parts, cancellationToken).ConfigureAwait(false);
        return DriftResult(drift, [], name, suite);
    }

    private ScenarioResult DriftResult(DriftReport drift, List<DriftItem> leftovers, string name, string suite)
    {
        var t = new ScenarioTimeline(_time);
        t.EnterPhase(ScenarioPhase.SteadyState, "drift check: the sandbox against the topology, name by name");
        var real = drift.Items.Where(i => !leftovers.Contains(i)).ToList();
        foreach (var item in drift.Items)
        {
            t.Observe(item.ToString());
        }

        if (real.Count == 0)
        {
            t.Asserted($"no drift ({drift.Compared} names compared{(leftovers.Count > 0 ? $", {leftovers.Count} removed name(s) still in Vault" : "")})");
            return t.ToResult(name, ScenarioVerdict.Passed, suite: suite);
        }

        return t.ToResult(name, ScenarioVerdict.Failed, "the sandbox differs from the topology: " + string.Join("; ", real.Select(i => $"{i.Kind.ToString().ToLowerInvariant()} {i.Category} {i.Name}")), suite);
    }

    /// <summary>Unexpected drift items that are names the change removes: an in-place replay does not delete them.</summary>
    private static List<DriftItem> ExpectedLeftovers(DriftReport drift, IReadOnlyList<string> namesRemoved)
    {
        var removed = namesRemoved.ToHashSet(StringComparer.Ordinal);
        return [.. drift.Items.Where(i => i.Kind == DriftKind.Unexpected && removed.Contains(i.Category switch
        {
            "auth" => "auth/" + i.Name,
            "policy" => "sys/policies/acl/" + i.Name,
            _ => i.Name,
        }))];
    }
}
