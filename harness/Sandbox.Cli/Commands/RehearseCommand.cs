using System.ComponentModel;
using System.Globalization;
using Sandbox.Cli.Drills;
using Sandbox.Harness;
using Sandbox.Harness.Guard;
using Sandbox.Harness.Rehearsal;
using Sandbox.Harness.Reporting;
using Sandbox.Harness.Runtimes;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Sandbox.Cli.Commands;

/// <summary>
/// <c>sandbox rehearse --change CHANGE [--topology BASE] [--runtime R] [--vault-binary PATH] [--vault-image IMAGE]
/// [--report DIR] [--rules FILE] [--denylist FILE] [--static] [--json]</c>: GO or NO-GO for a risky change.
/// Everything is loaded and judged (files, rules, the guard) before any sandbox exists.
/// </summary>
internal sealed class RehearseCommand : AsyncCommand<RehearseCommand.Settings>
{
    private readonly IAnsiConsole _console;

    public RehearseCommand(IAnsiConsole console)
    {
        _console = console;
    }

    public sealed class Settings : SandboxSettings
    {
        [CommandOption("--change <CHANGE>")]
        [Description("The change (repeatable, applied in order): a topology overlay (.yaml), policy files (.hcl or a directory of them), or Helm values (values.yaml, *-values.yaml; k3d).")]
        public string[] Change { get; init; } = [];

        [CommandOption("--topology <FILE>")]
        [Description("The current topology. Default: fixtures/topology.yaml of the checkout.")]
        public string? Topology { get; init; }

        [CommandOption("--runtime <RUNTIME>")]
        [Description("process (the default), docker, k3d or auto.")]
        public string Runtime { get; init; } = "process";

        [CommandOption("--vault-binary <PATH>")]
        [Description("A Vault version change on the process runtime: the binary to restart on.")]
        public string? VaultBinary { get; init; }

        [CommandOption("--vault-image <IMAGE>")]
        [Description("A Vault version change on docker/k3d: the image to restart on.")]
        public string? VaultImage { get; init; }

        [CommandOption("--report <DIR>")]
        [Description("The report folder. Default: .sandbox-reports/rehearse-<time> in the checkout.")]
        public string? Report { get; init; }

        [CommandOption("--rules <FILE>")]
        [Description("More NO-GO rules (YAML, docs/rehearse.md), added to the built-in ones.")]
        public string? Rules { get; init; }

        [CommandOption("--denylist <FILE>")]
        [Description("A denylist YAML file that adds to the built-in one. Default: $SANDBOX_DENYLIST, else only the built-in production denylist.")]
        public string? Denylist { get; init; }

        [CommandOption("--no-suites")]
        [Description("Skip running the scenario suites (lease-expiry, name-parity, sealed-restart) before and after the change; the built-in live checks still run.")]
        public bool NoSuites { get; init; }

        [CommandOption("--parallel <N>")]
        [Description("How many of the scenario suites run at once on each side (both sides run together, after one build), each in its own dotnet test process with its own sandboxes (default: the machine's cores; 1 runs the sides and their suites one after another).")]
        public int? Parallel { get; init; }

        [CommandOption("--static")]
        [Description("Only the static verdict (names, capabilities, rules): no sandbox, no evidence pack.")]
        public bool StaticOnly { get; init; }

        public override ValidationResult Validate()
        {
            if (UpCommand.Settings.ParseRuntime(Runtime) is null)
            {
                return ValidationResult.Error($"--runtime '{Runtime}' is unknown; use process, docker, k3d or auto.");
            }

            if (Change.Any(c => Missing(c) || c is null) || Missing(Topology) || Missing(VaultBinary) || Missing(VaultImage) || Missing(Report) || Missing(Rules) || Missing(Denylist) || Missing(Home))
            {
                return ValidationResult.Error("an option is missing its value: --change CHANGE, --topology FILE, --vault-binary PATH, --vault-image IMAGE, --report DIR, --rules FILE, --denylist FILE, --home DIR.");
            }

            if (ScenarioRunSettings.ValidateParallel(Parallel) is { } outOfRange)
            {
                return outOfRange;
            }

            return ValidationResult.Success();
        }
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var denylist = Denylist.Resolve(settings.Denylist);
        var runtime = UpCommand.Settings.ParseRuntime(settings.Runtime)!.Value;

        // 1. Load and judge everything before anything is brought up.
        using var loadAudit = GuardAuditLog.InMemory();
        var loadGuard = new SandboxGuard(denylist, loadAudit);
        var topology = settings.Topology ?? Path.Combine(ScenarioRunner.FindRoot(), "fixtures", "topology.yaml");
        var rules = settings.Rules is null ? NoGoRuleSet.Default : NoGoRuleSet.Load(settings.Rules);
        var change = RehearsalChangeLoader.Load(new RehearsalRequest
        {
            Changes = settings.Change,
            TopologyPath = topology,
            VaultBinary = settings.VaultBinary,
            VaultImage = settings.VaultImage,
            Runtime = settings.Runtime.Trim().ToLowerInvariant(),
        }, loadGuard);

        // 2. The static verdict.
        var analysis = RehearsalAnalyzer.Analyze(change, rules);
        if (!settings.Json)
        {
            WriteStatic(change, analysis, rules);
        }

        if (settings.StaticOnly)
        {
            if (settings.Json)
            {
                CliOutput.WriteJson(_console, Json(change, analysis.Verdict, analysis.Reasons, analysis.Notes, analysis, null, null));
            }
            else
            {
                WriteVerdict(analysis.Verdict, analysis.Reasons, analysis.Notes);
                _console.MarkupLine("[grey]static only: no sandbox was created, no Vault ran, so there is no evidence pack.[/]");
            }

            return (int)(analysis.Verdict == RehearsalVerdict.Go ? ExitCode.Ok : ExitCode.NoGo);
        }

        // 3. The live flow.
        RehearsalRunner.EnsureSupported(change, runtime);
        if (runtime is RuntimeKind.Process or RuntimeKind.Auto)
        {
            // On a fresh clone the double is not built yet: build it now, with its own progress, before the live line starts.
            await VaultDoubleBuild.EnsureAsync(settings.Json ? CliOutput.StderrConsole : _console, null, cancellationToken).ConfigureAwait(false);
        }

        var report = PrepareReport(settings.Report);
        using var audit = GuardAuditLog.ToFile(Path.Combine(report, "raw", "guard-audit.jsonl"));
        var guard = new SandboxGuard(denylist, audit);
        var manager = new SandboxManager(guard, settings.Home);
        var suites = Suites(settings, change, report);
        var options = new RehearsalRunOptions
        {
            ReportDirectory = report,
            Runtime = runtime == RuntimeKind.Auto ? RuntimeKind.Auto : runtime,
            Suites = suites,
        };
        Task<RehearsalOutcome> Run(IProgress<string> progress) => new RehearsalRunner(manager).RunAsync(change, analysis, rules, options, progress, cancellationToken);
        var outcome = !settings.Json && _console.Profile.Capabilities.Interactive
            // A live line on a terminal: what runs now, under the lines of what has ended.
            ? await _console.Status().StartAsync("rehearsing", ctx => Run(new Progress(_console, ctx))).ConfigureAwait(false)
            : await Run(new Progress(settings.Json ? null : _console, null)).ConfigureAwait(false);

        if (settings.Json)
        {
            CliOutput.WriteJson(_console, Json(change, outcome.Verdict, outcome.Reasons, outcome.Notes, analysis, outcome, report));
        }
        else
        {
            if (outcome.Diff.ScenariosPassToFail.Count > 0)
            {
                _console.MarkupLine("[bold]Scenarios pass → fail[/]");
                foreach (var s in outcome.Diff.ScenariosPassToFail)
                {
                    _console.MarkupLine($"  [red]{Markup.Escape(s)}[/]");
                }
            }

            _console.MarkupLine($"[bold]Drift against the changed topology:[/] {Markup.Escape(outcome.Drift?.ToString().TrimEnd() ?? "could not read the sandbox (see the drift scenario)")}");
            WriteVerdict(outcome.Verdict, outcome.Reasons, outcome.Notes);
            var colour = outcome.Vault.Kind == Harness.Reporting.VaultKind.VaultDouble ? "yellow" : "green";
            _console.MarkupLine($"Runtime used: {Markup.Escape(EvidencePack.DescribeRuntime(outcome.Runtime))}");
            _console.MarkupLine($"Vault used:   [bold {colour}]{Markup.Escape(outcome.Vault.Describe())}[/]");
            if (outcome.Vault.Kind == Harness.Reporting.VaultKind.VaultDouble)
            {
                _console.MarkupLine("[yellow]The live checks ran against Sandbox's Vault double, a test fixture: they are NOT evidence about HashiCorp Vault.[/]");
            }

            _console.MarkupLine($"report:  {Markup.Escape(outcome.Pack.ReportPath)}");
            _console.MarkupLine($"summary: {Markup.Escape(outcome.Pack.SummaryPath)}");
            _console.MarkupLine($"junit:   {Markup.Escape(outcome.Pack.JUnitPath)}");
        }

        return (int)(outcome.Verdict == RehearsalVerdict.Go ? ExitCode.Ok : ExitCode.NoGo);
    }

    /// <summary>The suites rehearse runs on each side, as drill names.</summary>
    internal static readonly string[] SuiteNames = ["lease-expiry", "name-parity", "sealed-restart"];

    /// <summary>
    /// Runs the topology-dependent suites through the drill's <see cref="ScenarioRunner"/> (the same
    /// <c>dotnet test</c> child), on the base topology or on base + overlays (<c>SANDBOX_TOPOLOGY</c>),
    /// each side in its own report sub-folder, and reads back the per-scenario results.
    /// Null (and a line saying so) when the suites are skipped.
    /// </summary>
    private Func<string, CancellationToken, Task<IReadOnlyList<ScenarioResult>>>? Suites(Settings settings, RehearsalChange change, string report)
    {
        string? skipped = settings.NoSuites
            ? "--no-suites"
            : change.TopologyFiles is null ? "the change is policy files, which the suites cannot take as a topology (SANDBOX_TOPOLOGY takes overlay files)"
            : change.VaultImage is not null ? "--vault-image is not run live" : null;
        if (skipped is not null)
        {
            if (!settings.Json)
            {
                _console.MarkupLine($"[yellow]The scenario suites were skipped ({Markup.Escape(skipped)}): only the built-in live checks run before and after the change.[/]");
            }

            return null;
        }

        var files = change.TopologyFiles!;
        // The two sides run at once: one runner on a console whose writes never interleave, one build of the
        // suites for both, and (with --parallel 1) one side after the other.
        var console = new SerializedConsole(settings.Json ? AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(TextWriter.Null) }) : _console);
        var runner = new ScenarioRunner(console);
        var build = new SharedBuild();
        var parallel = ScenarioRunSettings.ParallelOrCores(settings.Parallel);
        var oneSideAtATime = parallel == 1 ? new SemaphoreSlim(1, 1) : null;
        return async (side, cancellationToken) =>
        {
            var topology = side == "baseline" ? files[0] : string.Join(Path.PathSeparator, files);
            var folder = Path.Combine(report, "suites", side);
            var filter = string.Join("|", SuiteNames.Select(DrillSuites.FilterFor));
            var variables = new Dictionary<string, string>(StringComparer.Ordinal) { ["SANDBOX_TOPOLOGY"] = topology };
            if (side != "baseline" && change.VaultBinary is { } binary)
            {
                variables["SANDBOX_VAULT_BINARY"] = binary;
            }

            if (oneSideAtATime is not null)
            {
                await oneSideAtATime.WaitAsync(cancellationToken).ConfigureAwait(false);
            }

            try
            {
                await runner.RunAsync(new ScenarioRunRequest("rehearse suites " + side, filter, settings.Runtime.Trim().ToLowerInvariant(), folder, settings.Denylist)
                {
                    Variables = variables,
                    Suites = [.. SuiteNames.Select(n => DrillSuites.Categories[n])],
                    Parallel = parallel,
                    Build = build,
                    Label = side,
                }, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                oneSideAtATime?.Release();
            }

            return await EvidencePack.ReadScenariosAsync(folder, cancellationToken).ConfigureAwait(false);
        };
    }

    private static string PrepareReport(string? requested)
    {
        var stamp = DateTimeOffset.UtcNow.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture);
        var report = Path.GetFullPath(requested ?? Path.Combine(ScenarioRunner.FindRoot(), Harness.Runtimes.SandboxPaths.ReportsFolderName, "rehearse-" + stamp));
        return ScenarioRunner.ResetReportFolder(report);
    }

    private void WriteStatic(RehearsalChange change, StaticAnalysis analysis, NoGoRuleSet rules)
    {
        _console.MarkupLine($"[bold]Change:[/] {Markup.Escape(SecretFilter.Redact(change.Description, out _))}");
        _console.MarkupLine($"[grey]rules: {Markup.Escape(rules.Source)}[/]");
        _console.MarkupLine($"[bold]Names added[/] ({analysis.NamesAdded.Count}): {Markup.Escape(analysis.NamesAdded.Count == 0 ? "none" : string.Join(", ", analysis.NamesAdded))}");
        _console.MarkupLine($"[bold]Names removed[/] ({analysis.NamesRemoved.Count}): {Markup.Escape(analysis.NamesRemoved.Count == 0 ? "none" : string.Join(", ", analysis.NamesRemoved))}");
        if (analysis.CapabilityChanges.Count == 0)
        {
            _console.MarkupLine("[bold]Capabilities:[/] no token gains or loses anything");
        }
        else
        {
            var table = new Table().AddColumns("token", "path", "gained", "lost");
            foreach (var c in analysis.CapabilityChanges)
            {
                table.AddRow(Markup.Escape(c.Policy), Markup.Escape(c.Path), $"[red]{Markup.Escape(string.Join(", ", c.Gained))}[/]", $"[blue]{Markup.Escape(string.Join(", ", c.Lost))}[/]");
            }

            _console.MarkupLine("[bold]Capabilities, path by path, per token:[/]");
            _console.Write(table);
        }
    }

    private void WriteVerdict(RehearsalVerdict verdict, IReadOnlyList<string> reasons, IReadOnlyList<string> notes)
    {
        var timingAlone = verdict == RehearsalVerdict.NoGo && reasons.Count > 0 && reasons.All(r => r.StartsWith(RehearsalRunner.TimingReasonPrefix, StringComparison.Ordinal));
        _console.MarkupLine(verdict == RehearsalVerdict.Go ? "[bold green]GO[/]"
            : timingAlone ? "[bold red]NO-GO[/] [red]on timing alone: every check passed on both sides; the samples are below[/]"
            : "[bold red]NO-GO[/]");
        foreach (var reason in reasons)
        {
            _console.MarkupLine($"  [red]✘[/] {Markup.Escape(SecretFilter.Redact(reason, out _))}");
        }

        foreach (var note in notes)
        {
            _console.MarkupLine($"  [grey]note: {Markup.Escape(SecretFilter.Redact(note, out _))}[/]");
        }
    }

    private static Dictionary<string, object?> Json(
        RehearsalChange change,
        RehearsalVerdict verdict,
        IReadOnlyList<string> reasons,
        IReadOnlyList<string> notes,
        StaticAnalysis analysis,
        RehearsalOutcome? outcome,
        string? report) => new()
    {
        ["verdict"] = verdict == RehearsalVerdict.Go ? "go" : "no-go",
        ["change"] = SecretFilter.Redact(change.Description, out _),
        ["reasons"] = reasons.Select(r => SecretFilter.Redact(r, out _)).ToArray(),
        ["notes"] = notes.Select(n => SecretFilter.Redact(n, out _)).ToArray(),
        ["namesAdded"] = analysis.NamesAdded,
        ["namesRemoved"] = analysis.NamesRemoved,
        ["capabilityChanges"] = analysis.CapabilityChanges.Select(c => new { policy = c.Policy, path = c.Path, gained = c.Gained, lost = c.Lost }).ToArray(),
        ["violations"] = analysis.Violations.Select(v => new { rule = v.RuleId, subject = v.Subject, path = v.Path, capability = v.Capability, scenario = v.Scenario, @new = v.New, message = v.Message }).ToArray(),
        ["live"] = outcome is not null,
        ["runtime"] = outcome?.Runtime,
        ["vault"] = outcome is null ? null : new { kind = KindName(outcome.Vault.Kind), version = outcome.Vault.Version, description = outcome.Vault.Describe() },
        ["scenariosPassToFail"] = outcome?.Diff.ScenariosPassToFail ?? [],
        ["timingRegressions"] = outcome?.Diff.TimingRegressions.Select(t => new { scenario = t.Scenario, timing = t.Timing, beforeMs = t.BeforeMs, afterMs = t.AfterMs, beforeSamplesMs = t.BeforeSamplesMs, afterSamplesMs = t.AfterSamplesMs, noiseMs = t.NoiseMs }).ToArray() ?? [],
        ["report"] = report,
        ["summary"] = outcome?.Pack.SummaryPath,
    };

    private static string KindName(Harness.Reporting.VaultKind kind) => kind switch
    {
        Harness.Reporting.VaultKind.VaultDouble => "double",
        Harness.Reporting.VaultKind.OpenBao => "openbao",
        Harness.Reporting.VaultKind.HashiCorpVault => "hashicorp-vault",
        _ => "unknown",
    };

    /// <summary>
    /// Prints each step of the live flow as it happens. A message that only says what runs now
    /// (<see cref="LiveChecks.StatusPrefix"/>) becomes the live line on a terminal (<paramref name="status"/>)
    /// and a plain line otherwise.
    /// </summary>
    internal sealed class Progress(IAnsiConsole? console, StatusContext? status) : IProgress<string>
    {
        public void Report(string value)
        {
            var text = SecretFilter.Redact(value, out _);
            if (status is not null && text.StartsWith(LiveChecks.StatusPrefix, StringComparison.Ordinal))
            {
                status.Status(Markup.Escape(text[LiveChecks.StatusPrefix.Length..]));
                return;
            }

            console?.MarkupLine($"[grey]›[/] {Markup.Escape(text)}");
            if (!text.StartsWith(' '))
            {
                // A step (not a verdict line under it) is what runs now.
                status?.Status(Markup.Escape(text));
            }
        }
    }
}
