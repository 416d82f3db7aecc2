using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Sandbox.Harness.Guard;
using Sandbox.Harness.Reporting.Internal;

namespace Sandbox.Harness.Reporting;

/// <summary>
/// Turns a report folder into the evidence pack: <c>summary.json</c>, <c>junit.xml</c>,
/// <c>report.html</c> and <c>logs/</c>, from the <c>scenarios/*.json</c> that
/// <see cref="EvidenceWriter"/> left there. See <c>docs/evidence.md</c>.
/// </summary>
internal static class EvidencePack
{
    /// <summary>The folder of per-scenario results: <c>scenarios</c>.</summary>
    public const string ScenariosFolder = "scenarios";

    /// <summary>The folder of copied logs: <c>logs</c>.</summary>
    public const string LogsFolder = "logs";

    /// <summary>The summary's file name: <c>summary.json</c>.</summary>
    public const string SummaryFileName = "summary.json";

    /// <summary>The report's file name: <c>report.html</c>.</summary>
    public const string ReportFileName = "report.html";

    /// <summary>The JUnit file's name: <c>junit.xml</c>.</summary>
    public const string JUnitFileName = "junit.xml";

    /// <summary>
    /// Where <c>dotnet test --logger "junit;LogFilePath=&lt;report&gt;/nunit-junit.xml"</c> should put
    /// JunitXml.TestLogger's file; the pack lists it when present. <c>junit.xml</c> itself is always
    /// written from the scenario results so that it agrees with <c>summary.json</c>.
    /// </summary>
    public const string NUnitJUnitFileName = "nunit-junit.xml";

    /// <summary>The version of <c>summary.json</c>'s shape; it grows only by new fields.</summary>
    public const int SchemaVersion = 1;

    /// <summary>Who reads and writes the pack's files, for the guard's audit log.</summary>
    private const string Caller = "evidence-pack";

    private const string GuardAuditLogFile = "logs/guard-audit.log";
    private const string VaultLogFile = "logs/vault.log";

    /// <summary>Reads every <c>scenarios/*.json</c> of a report folder, ordered by start time, then name.</summary>
    /// <param name="reportDirectory">The report folder (not its <c>scenarios</c> subfolder).</param>
    /// <param name="cancellationToken">Cancels the reads.</param>
    /// <returns>The results; empty when the folder has none.</returns>
    /// <exception cref="EvidenceException">A file is not a scenario result; the message names it.</exception>
    /// <exception cref="OperationCanceledException">The token was cancelled.</exception>
    public static async Task<IReadOnlyList<ScenarioResult>> ReadScenariosAsync(string reportDirectory, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(reportDirectory);
        var folder = Path.Combine(Path.GetFullPath(reportDirectory), ScenariosFolder);
        if (!Directory.Exists(folder))
        {
            return [];
        }

        var results = new List<ScenarioResult>();
        foreach (var path in Directory.EnumerateFiles(folder, "*.json").Order(StringComparer.Ordinal))
        {
            ScenarioResult? result;
            try
            {
                var stream = SandboxGuard.ForFiles.OpenFile(path, FileMode.Open, FileAccess.Read, Caller);
                await using (stream.ConfigureAwait(false))
                {
                    result = await JsonSerializer.DeserializeAsync<ScenarioResult>(stream, EvidenceJson.Options, cancellationToken).ConfigureAwait(false);
                }
            }
            catch (JsonException ex)
            {
                var where = ex.LineNumber is { } line ? $"line {line + 1}, " : string.Empty;
                throw EvidenceException.UnreadableScenario(path, $"{where}{ex.Message.Split('.')[0]}.", ex);
            }

            if (result is null || string.IsNullOrWhiteSpace(result.Name) || result.Timings is null || result.Events is null)
            {
                throw EvidenceException.UnreadableScenario(path, "it lacks name, timings or events.");
            }

            results.Add(result);
        }

        return [.. results.OrderBy(r => r.StartedAt).ThenBy(r => r.Name, StringComparer.Ordinal)];
    }

    /// <summary>
    /// Composes the pack of a drill, chaos or test run from the folder's scenario results:
    /// writes <c>summary.json</c>, <c>junit.xml</c> and <c>report.html</c>, and copies the guard's
    /// audit log and Vault's log (through <see cref="SecretFilter"/>) into <c>logs/</c>.
    /// </summary>
    /// <param name="reportDirectory">The report folder.</param>
    /// <param name="run">What the run was.</param>
    /// <param name="cancellationToken">Cancels the work.</param>
    /// <returns>Where the files are and whether the run passed.</returns>
    /// <exception cref="EvidenceException">A scenario file is broken or a named log is missing.</exception>
    /// <exception cref="OperationCanceledException">The token was cancelled.</exception>
    public static async Task<EvidencePackResult> ComposeAsync(string reportDirectory, RunInfo run, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(run);
        var writer = new EvidenceWriter(reportDirectory);
        var scenarios = await ReadScenariosAsync(writer.ReportDirectory, cancellationToken).ConfigureAwait(false);
        return await WritePackAsync(writer.ReportDirectory, run, scenarios, null, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Composes rehearse's pack: the run after the change is the pack's <c>scenarios</c>, the
    /// baseline sits beside it, and the report shows both side by side with the diff and the verdict.
    /// </summary>
    /// <param name="reportDirectory">The report folder.</param>
    /// <param name="run">What the run was (its <see cref="RunInfo.Vault"/> is the Vault after the change).</param>
    /// <param name="rehearsal">The two runs, the diff and the verdict.</param>
    /// <param name="cancellationToken">Cancels the work.</param>
    /// <returns>Where the files are; <see cref="EvidencePackResult.Passed"/> is true only on GO.</returns>
    /// <exception cref="EvidenceException">A named log is missing.</exception>
    /// <exception cref="OperationCanceledException">The token was cancelled.</exception>
    public static Task<EvidencePackResult> ComposeRehearsalAsync(string reportDirectory, RunInfo run, RehearsalEvidence rehearsal, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(rehearsal);
        var writer = new EvidenceWriter(reportDirectory);
        var safe = rehearsal with
        {
            Baseline = [.. rehearsal.Baseline.Select(EvidenceWriter.Sanitize)],
            After = [.. rehearsal.After.Select(EvidenceWriter.Sanitize)],
            Reasons = [.. rehearsal.Reasons.Select(r => SecretFilter.Redact(r, out _))],
        };
        return WritePackAsync(writer.ReportDirectory, run, safe.After, safe, cancellationToken);
    }

    /// <summary>The runtime in words for banners: <c>process — Vault and PostgreSQL as local processes, no Kubernetes</c>.</summary>
    /// <param name="runtime">The runtime's name.</param>
    /// <returns>The description; unknown names are returned as they are.</returns>
    public static string DescribeRuntime(string runtime) => runtime switch
    {
        "process" => "process — Vault and PostgreSQL as local processes on this machine, no Kubernetes",
        "docker" => "docker — Vault and PostgreSQL in Docker containers, no Kubernetes",
        "k3d" => "k3d — a throw-away k3s Kubernetes cluster in Docker, Vault installed as in production",
        _ => runtime,
    };

    private static async Task<EvidencePackResult> WritePackAsync(
        string dir,
        RunInfo unfilteredRun,
        IReadOnlyList<ScenarioResult> scenarios,
        RehearsalEvidence? rehearsal,
        CancellationToken cancellationToken)
    {
        var run = unfilteredRun with
        {
            Command = SecretFilter.Redact(unfilteredRun.Command, out _),
            Host = SecretFilter.Redact(unfilteredRun.Host, out _),
            ChaosPlan = unfilteredRun.ChaosPlan is null ? null : SecretFilter.Redact(unfilteredRun.ChaosPlan, out _),
        };
        if (rehearsal?.Change is { } change)
        {
            rehearsal = rehearsal with { Change = SecretFilter.Redact(change, out _) };
        }

        var files = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["summary"] = SummaryFileName,
            ["junit"] = JUnitFileName,
            ["report"] = ReportFileName,
        };
        var guard = SandboxGuard.ForFiles;
        if (guard.FileExists(Path.Combine(dir, NUnitJUnitFileName), Caller))
        {
            files["nunitJunit"] = NUnitJUnitFileName;
        }

        var logRedactions = 0;
        if (run.GuardAuditLogPath is { } audit)
        {
            logRedactions += await CopyLogAsync("guard audit log", audit, Path.Combine(dir, GuardAuditLogFile), cancellationToken).ConfigureAwait(false);
            files["guardAuditLog"] = GuardAuditLogFile;
        }

        if (run.VaultLogPath is { } vaultLog)
        {
            logRedactions += await CopyLogAsync("Vault log", vaultLog, Path.Combine(dir, VaultLogFile), cancellationToken).ConfigureAwait(false);
            files["vaultLog"] = VaultLogFile;
        }

        var all = scenarios.Concat(rehearsal?.Baseline ?? []).ToList();
        var started = run.StartedAt ?? (all.Count > 0 ? all.Min(s => s.StartedAt) : DateTimeOffset.UnixEpoch);
        var ended = run.EndedAt ?? (all.Count > 0 ? all.Max(s => s.EndedAt) : started);
        var failed = scenarios.Count(s => !s.Passed);
        var passed = scenarios.Count > 0 && failed == 0 && (rehearsal is null || rehearsal.Verdict == RehearsalVerdict.Go);

        var summary = Summary(run, started, ended, scenarios, passed, files, rehearsal, logRedactions);
        var summaryPath = Path.Combine(dir, SummaryFileName);
        guard.EnsureFileAllowed(summaryPath, Caller);
        await File.WriteAllTextAsync(summaryPath, summary.ToJsonString(EvidenceJson.Options) + "\n", new UTF8Encoding(false), cancellationToken).ConfigureAwait(false);

        var junitPath = Path.Combine(dir, JUnitFileName);
        var properties = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["runtime"] = run.Runtime,
            ["vault.kind"] = JsonSerializer.Serialize(run.Vault.Kind, EvidenceJson.Options).Trim('"'),
            ["vault.version"] = run.Vault.Version ?? "unknown",
            ["vault"] = run.Vault.Describe(),
        };
        if (run.Seed is { } seed)
        {
            properties["seed"] = seed.ToString(CultureInfo.InvariantCulture);
        }

        guard.EnsureFileAllowed(junitPath, Caller);
        var junitResults = rehearsal is null ? scenarios : RehearsalJUnit(rehearsal, started, ended);
        await JUnitWriter.WriteAsync(junitPath, junitResults, "sandbox " + run.Command, properties, run.Host, cancellationToken).ConfigureAwait(false);

        var reportPath = Path.Combine(dir, ReportFileName);
        var html = HtmlReport.Render(run, started, ended, scenarios, passed, files, rehearsal);
        guard.EnsureFileAllowed(reportPath, Caller);
        await File.WriteAllTextAsync(reportPath, html, new UTF8Encoding(false), cancellationToken).ConfigureAwait(false);

        return new EvidencePackResult(dir, summaryPath, reportPath, junitPath, passed, scenarios.Count, failed);
    }

    private static List<ScenarioResult> RehearsalJUnit(RehearsalEvidence rehearsal, DateTimeOffset started, DateTimeOffset ended)
    {
        var results = new List<ScenarioResult>();
        results.AddRange(rehearsal.Baseline.Select(s => s with { Suite = "baseline" }));
        results.AddRange(rehearsal.After.Select(s => s with { Suite = "after-change" }));
        var go = rehearsal.Verdict == RehearsalVerdict.Go;
        var reasons = rehearsal.Reasons.Count == 0 ? "no reason given" : string.Join("\n", rehearsal.Reasons);
        results.Add(new ScenarioResult(
            "go-no-go",
            go ? ScenarioVerdict.Passed : ScenarioVerdict.Failed,
            go ? null : "NO-GO: " + reasons,
            started,
            ended,
            new Dictionary<string, double>(),
            [])
        {
            Suite = "rehearsal",
        });
        return results;
    }

    private static JsonObject Summary(
        RunInfo run,
        DateTimeOffset started,
        DateTimeOffset ended,
        IReadOnlyList<ScenarioResult> scenarios,
        bool passed,
        IReadOnlyDictionary<string, string> files,
        RehearsalEvidence? rehearsal,
        int logRedactions)
    {
        var summary = new JsonObject
        {
            ["schemaVersion"] = SchemaVersion,
            ["command"] = run.Command,
            ["runtime"] = run.Runtime,
            ["runtimeDescription"] = DescribeRuntime(run.Runtime),
            ["vault"] = VaultNode(run.Vault),
            ["verdict"] = passed ? "passed" : "failed",
            ["startedAt"] = started,
            ["endedAt"] = ended,
            ["durationMs"] = Math.Round((ended - started).TotalMilliseconds, 3),
            ["host"] = run.Host,
            ["seed"] = run.Seed,
            ["chaosPlan"] = run.ChaosPlan,
            ["counts"] = Counts(scenarios),
            ["redactions"] = scenarios.Sum(s => s.Redactions) + (rehearsal?.Baseline.Sum(s => s.Redactions) ?? 0) + logRedactions,
            ["scenarios"] = ScenarioNodes(scenarios),
            ["files"] = new JsonObject(files.Select(f => KeyValuePair.Create(f.Key, (JsonNode?)JsonValue.Create(f.Value)))),
        };

        if (rehearsal is not null)
        {
            var node = JsonSerializer.SerializeToNode(rehearsal.Diff, EvidenceJson.Options)!;
            summary["rehearsal"] = new JsonObject
            {
                ["verdict"] = rehearsal.Verdict == RehearsalVerdict.Go ? "go" : "no-go",
                ["change"] = rehearsal.Change,
                ["reasons"] = new JsonArray([.. rehearsal.Reasons.Select(r => (JsonNode?)JsonValue.Create(r))]),
                ["baselineVault"] = VaultNode(rehearsal.BaselineVault ?? run.Vault),
                ["baseline"] = new JsonObject
                {
                    ["counts"] = Counts(rehearsal.Baseline),
                    ["scenarios"] = ScenarioNodes(rehearsal.Baseline),
                },
                ["diff"] = node,
            };
        }

        return summary;
    }

    private static JsonObject VaultNode(VaultInfo vault) => new()
    {
        ["kind"] = JsonSerializer.SerializeToNode(vault.Kind, EvidenceJson.Options),
        ["version"] = vault.Version,
        ["description"] = vault.Describe(),
    };

    private static JsonObject Counts(IReadOnlyList<ScenarioResult> scenarios) => new()
    {
        ["scenarios"] = scenarios.Count,
        ["passed"] = scenarios.Count(s => s.Passed),
        ["failed"] = scenarios.Count(s => !s.Passed),
    };

    private static JsonArray ScenarioNodes(IReadOnlyList<ScenarioResult> scenarios) => new([.. scenarios.Select(s => (JsonNode?)new JsonObject
    {
        ["name"] = s.Name,
        ["suite"] = s.Suite,
        ["verdict"] = s.Passed ? "passed" : "failed",
        ["failureMessage"] = s.FailureMessage,
        ["startedAt"] = s.StartedAt,
        ["endedAt"] = s.EndedAt,
        ["durationMs"] = s.DurationMs,
        ["timings"] = new JsonObject(s.Timings.OrderBy(t => t.Key, StringComparer.Ordinal).Select(t => KeyValuePair.Create(t.Key, (JsonNode?)JsonValue.Create(t.Value)))),
        ["timingSamples"] = s.TimingSamples is null ? null : new JsonObject(s.TimingSamples.OrderBy(t => t.Key, StringComparer.Ordinal)
            .Select(t => KeyValuePair.Create(t.Key, (JsonNode?)new JsonArray([.. t.Value.Select(v => (JsonNode?)JsonValue.Create(v))])))),
        ["redactions"] = s.Redactions,
        ["file"] = $"{ScenariosFolder}/{EvidenceWriter.FileNameFor(s.Name)}",
    })]);

    private static async Task<int> CopyLogAsync(string what, string source, string destination, CancellationToken cancellationToken)
    {
        var guard = SandboxGuard.ForFiles;
        if (!guard.FileExists(source, Caller))
        {
            throw EvidenceException.MissingLog(what, source);
        }

        Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
        var redactions = 0;

        // The log may still be written by the process that keeps it (the guard's own audit log is).
        using var reader = new StreamReader(guard.OpenFile(source, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, Caller), Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
        var output = new StreamWriter(guard.OpenFile(destination, FileMode.Create, FileAccess.Write, Caller), new UTF8Encoding(false));
        await using (output.ConfigureAwait(false))
        {
            while (await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
            {
                await output.WriteLineAsync(SecretFilter.Redact(line, out var n).AsMemory(), cancellationToken).ConfigureAwait(false);
                redactions += n;
            }
        }

        return redactions;
    }
}
