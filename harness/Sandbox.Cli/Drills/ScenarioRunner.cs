using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using CliWrap;
using Sandbox.Cli.Commands;
using Sandbox.Harness;
using Sandbox.Harness.Guard;
using Sandbox.Harness.Reporting;
using Sandbox.Harness.Runtimes.Process;
using Spectre.Console;

namespace Sandbox.Cli.Drills;

/// <summary>
/// Runs the scenario suites — the same NUnit code CI runs, never a copy — with
/// <c>dotnet test scenarios/Sandbox.Scenarios</c>, streams each test's verdict as it arrives,
/// then composes the evidence pack and says, unmissably, which runtime and which Vault were used.
/// </summary>
internal sealed partial class ScenarioRunner
{
    /// <summary>The scenario project, relative to the checkout root.</summary>
    public static readonly string ProjectPath = Path.Combine("scenarios", "Sandbox.Scenarios", "Sandbox.Scenarios.csproj");

    /// <summary>Who reads and writes the report's raw files, for the guard's audit log.</summary>
    private const string FilesCaller = "scenario-runner";

    private readonly IAnsiConsole _console;
    private readonly Lock _gate = new();

    public ScenarioRunner(IAnsiConsole console)
    {
        _console = console;
    }

    /// <summary>The checkout root: the nearest folder holding Sandbox.sln above the working folder, else above the CLI's own files.</summary>
    public static string FindRoot()
    {
        var starts = new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory };
        return starts.Select(SandboxCheckout.FindRoot).FirstOrDefault(root => root is not null)
            ?? throw ScenarioProjectNotFoundException.NoCheckout(starts);
    }

    /// <summary>Runs the suites, composes the pack, and returns the exit code (0 only when everything passed).</summary>
    public async Task<int> RunAsync(ScenarioRunRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var root = FindRoot();
        var project = Path.Combine(root, ProjectPath);
        if (!File.Exists(project))
        {
            throw ScenarioProjectNotFoundException.NoProject(root, project);
        }

        // The wall time counts everything this command does, the builds included.
        var started = DateTimeOffset.UtcNow;
        var report = PrepareReportFolder(root, request);
        var raw = Path.Combine(report, "raw");
        if (request.Runtime is "process" or "auto")
        {
            await VaultDoubleBuild.EnsureAsync(_console, null, cancellationToken);
        }

        using var audit = GuardAuditLog.ToFile(Path.Combine(raw, "guard-audit-cli.jsonl"));
        var guard = new SandboxGuard(Denylist.Resolve(request.Denylist), audit);
        var predicted = await PredictVaultAsync(request, guard, cancellationToken);
        Banner(request.Runtime, predicted, "running");
        _console.MarkupLine($"[grey]report folder:[/] {Markup.Escape(report)}");
        var parts = request.Parallel > 1 && request.Suites.Count > 1 ? request.Suites : [];
        if (parts.Count == 0)
        {
            _console.MarkupLine($"[grey]suites:[/] dotnet test {Markup.Escape(Path.GetRelativePath(root, project))} -c Release --filter \"{Markup.Escape(request.Filter)}\" [grey](builds the suites first; every test is listed as it ends)[/]");
        }
        else
        {
            _console.MarkupLine($"[grey]suites:[/] {parts.Count} suites in {Math.Min(request.Parallel, parts.Count).ToString(CultureInfo.InvariantCulture)} dotnet test processes at once, each with its own sandboxes [grey](dotnet build {Markup.Escape(Path.GetRelativePath(root, project))} -c Release first; every test is listed as it ends)[/]");
        }

        var passed = 0;
        var failed = 0;
        var skipped = 0;
        var log = new StringBuilder();

        void OnLine(string line)
        {
            lock (_gate)
            {
                log.AppendLine(line);
                var m = TestLine().Match(line);
                if (m.Success)
                {
                    var (mark, colour) = m.Groups[1].Value switch
                    {
                        "Passed" => ("✔ passed ", "green"),
                        "Failed" => ("✘ FAILED ", "red"),
                        _ => ("- skipped", "yellow"),
                    };
                    _ = m.Groups[1].Value switch
                    {
                        "Passed" => passed++,
                        "Failed" => failed++,
                        _ => skipped++,
                    };
                    _console.MarkupLine($"[{colour}]{mark}[/] {Markup.Escape(m.Groups[2].Value)}{Markup.Escape(LabelOf(request))} [grey]{Markup.Escape(m.Groups[3].Value)}[/]");
                }
                else if (line.Contains("scenarios: runtime=", StringComparison.Ordinal) || line.Contains("error", StringComparison.OrdinalIgnoreCase) && line.Contains(".cs(", StringComparison.Ordinal))
                {
                    _console.MarkupLine($"[grey]{Markup.Escape(line.Trim())}[/]");
                }
            }
        }

        var exitCode = parts.Count == 0
            ? await TestAsync(root, project, request, request.Filter, report, build: true, OnLine, guard, cancellationToken)
            : await RunPartsAsync(root, project, request, parts, report, OnLine, guard, cancellationToken);
        var ended = DateTimeOffset.UtcNow;
        SandboxGuard.ForFiles.EnsureFileAllowed(Path.Combine(raw, "dotnet-test.log"), FilesCaller);
        await File.WriteAllTextAsync(Path.Combine(raw, "dotnet-test.log"), SecretFilter.Redact(log.ToString(), out _), cancellationToken);

        if (passed + failed + skipped == 0)
        {
            _console.MarkupLine($"[red]No test ran (dotnet test exited {exitCode}). Its last lines:[/]");
            foreach (var line in log.ToString().Split('\n').TakeLast(25))
            {
                _console.MarkupLine($"  [grey]{Markup.Escape(line.TrimEnd())}[/]");
            }
        }

        var (runtime, vault) = await ReadRunAsync(raw, request.Runtime, predicted, cancellationToken);
        var run = new RunInfo
        {
            Command = request.Command,
            Runtime = runtime,
            Vault = vault,
            StartedAt = started,
            EndedAt = ended,
            Seed = request.Seed,
            ChaosPlan = request.ChaosPlan,
            GuardAuditLogPath = await ConcatenateAsync(Path.Combine(raw, "guard-audit.log"), [Path.Combine(raw, "guard-audit-cli.jsonl"), Path.Combine(raw, "guard-audit.jsonl")], null, cancellationToken),
            VaultLogPath = await ConcatenateAsync(
                Path.Combine(raw, "vault.log"),
                Directory.Exists(Path.Combine(raw, "vault-logs")) ? [.. Directory.GetFiles(Path.Combine(raw, "vault-logs"), "*.log").Order(StringComparer.Ordinal)] : [],
                f => $"===== sandbox {Path.GetFileNameWithoutExtension(f)} =====",
                cancellationToken),
        };
        var pack = await EvidencePack.ComposeAsync(report, run, cancellationToken);

        var ok = pack.Passed && exitCode == 0 && failed == 0 && skipped == 0;
        if (pack.ScenarioCount != passed + failed + skipped)
        {
            // The verdict counts scenarios (each chaos round is one), not NUnit tests: list every one it counts.
            _console.MarkupLine("[grey]scenarios in the evidence pack:[/]");
            foreach (var scenario in await EvidencePack.ReadScenariosAsync(report, cancellationToken))
            {
                var seconds = (scenario.DurationMs / 1000).ToString("0.0", CultureInfo.InvariantCulture);
                _console.MarkupLine($"{(scenario.Passed ? "[green]✔ passed [/]" : "[red]✘ FAILED [/]")} {Markup.Escape(scenario.Name)} [grey]{seconds} s[/]");
            }
        }

        _console.WriteLine();
        _console.MarkupLine(ok
            ? $"[bold green]PASSED[/] {pack.ScenarioCount} scenario(s) in {(ended - started).TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture)} s"
            : $"[bold red]FAILED[/] {pack.FailedCount} of {pack.ScenarioCount} scenario(s) failed (tests: {passed} passed, {failed} failed, {skipped} skipped; dotnet test exit {exitCode})");
        Banner(runtime, vault, "used");
        await PrintWaitsAsync(raw, ended - started, cancellationToken);
        _console.MarkupLine($"report:  {Markup.Escape(pack.ReportPath)}");
        _console.MarkupLine($"summary: {Markup.Escape(pack.SummaryPath)}");
        _console.MarkupLine($"junit:   {Markup.Escape(pack.JUnitPath)}");
        return (int)(ok ? ExitCode.Ok : ExitCode.ScenarioFailed);
    }

    private static string LabelOf(ScenarioRunRequest request) => request.Label is { } label ? $" ({label})" : "";

    /// <summary>The dotnet that runs this CLI (<c>DOTNET_HOST_PATH</c>), else the one on PATH.</summary>
    private static string Dotnet() =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";

    /// <summary>One <c>dotnet test</c> of the scenario project for <paramref name="filter"/>, its evidence in <paramref name="report"/>.</summary>
    private static async Task<int> TestAsync(string root, string project, ScenarioRunRequest request, string filter, string report, bool build, Action<string> onLine, SandboxGuard guard, CancellationToken cancellationToken)
    {
        var command = CliWrap.Cli.Wrap(Dotnet())
            .WithArguments(
            [
                "test", project, "-c", "Release", "--nologo", .. build ? Array.Empty<string>() : ["--no-build"],
                "--filter", filter,
                "--logger", "console;verbosity=normal",
                "--logger", $"junit;LogFilePath={Path.Combine(report, EvidencePack.NUnitJUnitFileName)}",
            ])
            .WithWorkingDirectory(root)
            .WithEnvironmentVariables(env =>
            {
                env.Set(EvidenceWriter.ReportDirectoryVariable, report).Set("SANDBOX_RUNTIME", request.Runtime);
                if (request.Denylist is not null)
                {
                    env.Set(Denylist.EnvironmentVariable, Path.GetFullPath(request.Denylist));
                }

                foreach (var (name, value) in request.Variables)
                {
                    env.Set(name, value);
                }
            })
            .WithStandardOutputPipe(PipeTarget.ToDelegate(onLine))
            .WithStandardErrorPipe(PipeTarget.ToDelegate(onLine))
            .WithValidation(CommandResultValidation.None);
        return (await guard.GuardCommand(command, "sandbox " + request.Command).ExecuteAsync(cancellationToken)).ExitCode;
    }

    /// <summary>
    /// <c>dotnet build</c> of the scenario project, once for every run that shares <see cref="ScenarioRunRequest.Build"/>
    /// (the others await the same build); its exit code.
    /// </summary>
    private Task<int> BuildAsync(string root, string project, ScenarioRunRequest request, Action<string> onLine, SandboxGuard guard, CancellationToken cancellationToken)
    {
        async Task<int> Build()
        {
            _console.MarkupLine("[grey]building the suites…[/]");
            var build = await guard.GuardCommand(
                CliWrap.Cli.Wrap(Dotnet()).WithArguments(["build", project, "-c", "Release", "--nologo", "-v", "minimal"]).WithWorkingDirectory(root)
                    .WithStandardOutputPipe(PipeTarget.ToDelegate(onLine)).WithStandardErrorPipe(PipeTarget.ToDelegate(onLine))
                    .WithValidation(CommandResultValidation.None),
                "sandbox " + request.Command).ExecuteAsync(cancellationToken);
            return build.ExitCode;
        }

        return request.Build is { } shared ? shared.RunOnceAsync(Build) : Build();
    }

    /// <summary>
    /// The suites in parallel: the project is built once, then the suites are dealt into at most
    /// <see cref="ScenarioRunRequest.Parallel"/> groups (<see cref="ScenarioParts.Group"/>) and each group runs
    /// in its own <c>dotnet test --no-build</c> (its own sandboxes, canary, audit log and report part under
    /// <c>raw/parts/&lt;suite&gt;[+&lt;suite&gt;…]</c>), all at once; the parts are then merged into the report
    /// as one run would have left it. Exit code: the first non-zero one.
    /// </summary>
    private async Task<int> RunPartsAsync(string root, string project, ScenarioRunRequest request, IReadOnlyList<string> suites, string report, Action<string> onLine, SandboxGuard guard, CancellationToken cancellationToken)
    {
        var built = await BuildAsync(root, project, request, onLine, guard, cancellationToken);
        if (built != 0)
        {
            return built;
        }

        var started = TimeProvider.System.GetTimestamp();
        var groups = ScenarioParts.Group(suites, request.Parallel).Select(ScenarioParts.Describe).ToList();
        var folders = groups.Select(g => Path.Combine(report, "raw", "parts", g.Name)).ToList();
        var runs = groups.Select(async (group, i) =>
        {
            Directory.CreateDirectory(Path.Combine(folders[i], "raw"));
            var name = group.Name.Replace("+", ", ", StringComparison.Ordinal);
            lock (_gate)
            {
                _console.MarkupLine($"[grey]▶ {Markup.Escape(name)}{Markup.Escape(LabelOf(request))}: started[/]");
            }

            var code = await TestAsync(root, project, request, group.Filter, folders[i], build: false, onLine, guard, cancellationToken);
            lock (_gate)
            {
                _console.MarkupLine($"[grey]■ {Markup.Escape(name)}{Markup.Escape(LabelOf(request))}: ended (dotnet test exit {code.ToString(CultureInfo.InvariantCulture)})[/]");
            }

            return code;
        }).ToList();
        var codes = await Task.WhenAll(runs);
        await ScenarioParts.MergeAsync(report, folders, TimeProvider.System.GetElapsedTime(started), cancellationToken);
        return codes.FirstOrDefault(c => c != 0);
    }

    /// <summary>
    /// How the wall time splits: the test run itself (after the build), and within it the waits the
    /// suites cannot avoid (Vault restarting, leases running out, chaos holds) apart from the
    /// sandbox starts, which the suites record too (raw/waits.jsonl) but which are the harness's
    /// own cost. The ratio is wall time over the necessary waits' union (<see cref="RecordedWaits.Union"/>):
    /// the time during which at least one of them was in progress, since suites and tests that run at
    /// once wait at the same time; their sum is printed too, by kind.
    /// </summary>
    private async Task PrintWaitsAsync(string raw, TimeSpan wall, CancellationToken cancellationToken)
    {
        var waitsFile = Path.Combine(raw, "waits.jsonl");
        var runFile = Path.Combine(raw, "test-run.json");
        var files = SandboxGuard.ForFiles;
        if (!files.FileExists(waitsFile, FilesCaller) || !files.FileExists(runFile, FilesCaller))
        {
            return;
        }

        var waits = RecordedWaits.Parse((await files.ReadAllTextAsync(waitsFile, FilesCaller, cancellationToken)).Split('\n'), waitsFile);
        var byKind = new SortedDictionary<string, double>(StringComparer.Ordinal);
        foreach (var wait in waits)
        {
            byKind[wait.Kind] = byKind.GetValueOrDefault(wait.Kind) + wait.Duration.TotalMilliseconds;
        }

        using var run = JsonDocument.Parse(await files.ReadAllTextAsync(runFile, FilesCaller, cancellationToken));
        var testRunMs = run.RootElement.GetProperty("wallMs").GetDouble();
        var (necessary, overhead) = SplitWaits(byKind);
        static string S(double ms) => (ms / 1000).ToString("0.0", CultureInfo.InvariantCulture) + " s";
        static string Parts(IEnumerable<KeyValuePair<string, double>> kinds) => string.Join(", ", kinds.Select(k => $"{k.Key} {S(k.Value)}"));
        var necessaryMs = RecordedWaits.Union(waits.Where(w => !OverheadKinds.Contains(w.Kind))).TotalMilliseconds;
        var summedMs = necessary.Sum(k => k.Value);
        var ratio = necessaryMs > 0 ? (wall.TotalMilliseconds / necessaryMs).ToString("0.00", CultureInfo.InvariantCulture) : "n/a";
        _console.MarkupLine($"[grey]time: wall {S(wall.TotalMilliseconds)} = build and dotnet test start-up {S(wall.TotalMilliseconds - testRunMs)} + test run {S(testRunMs)}; "
            + $"necessary waits {S(necessaryMs)} with at least one in progress (summed {S(summedMs)}: {Markup.Escape(Parts(necessary))}); not necessary: {Markup.Escape(overhead.Count > 0 ? Parts(overhead) : "none recorded")}; wall / necessary waits = {ratio}[/]");
    }

    /// <summary>
    /// The waits that time alone brings (a lease running out, Vault restarting, a chaos hold) against
    /// the ones that are the harness's own cost (a sandbox starting): only the first are necessary.
    /// </summary>
    /// <param name="byKind">Recorded wait kind → milliseconds.</param>
    /// <returns>The necessary kinds and the rest.</returns>
    internal static (List<KeyValuePair<string, double>> Necessary, List<KeyValuePair<string, double>> Overhead) SplitWaits(IReadOnlyDictionary<string, double> byKind)
    {
        var necessary = byKind.Where(k => !OverheadKinds.Contains(k.Key)).OrderBy(k => k.Key, StringComparer.Ordinal).ToList();
        var overhead = byKind.Where(k => OverheadKinds.Contains(k.Key)).OrderBy(k => k.Key, StringComparer.Ordinal).ToList();
        return (necessary, overhead);
    }

    /// <summary>Recorded wait kinds that are the harness's own cost, not a wait the scenario needs: sandbox starts.</summary>
    internal static readonly IReadOnlySet<string> OverheadKinds = new HashSet<string>(StringComparer.Ordinal) { "sandbox-up" };

    private static string PrepareReportFolder(string root, ScenarioRunRequest request)
    {
        var stamp = DateTimeOffset.UtcNow.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture);
        var report = Path.GetFullPath(request.ReportDirectory ?? Path.Combine(root, Harness.Runtimes.SandboxPaths.ReportsFolderName, $"{request.Command.Replace(' ', '-')}-{stamp}"));
        Directory.CreateDirectory(report);
        return ResetReportFolder(report);
    }

    /// <summary>Removes what an earlier run left in a report folder (its results would be read back as this run's) and creates its <c>raw</c> folder.</summary>
    /// <param name="report">The report folder (full path).</param>
    /// <returns><paramref name="report"/>.</returns>
    internal static string ResetReportFolder(string report)
    {
        foreach (var stale in new[] { EvidencePack.ScenariosFolder, "raw", EvidencePack.LogsFolder })
        {
            var path = Path.Combine(report, stale);
            if (Directory.Exists(path))
            {
                Directory.Delete(path, recursive: true);
            }
        }

        Directory.CreateDirectory(Path.Combine(report, "raw"));
        return report;
    }

    private static async Task<VaultInfo> PredictVaultAsync(ScenarioRunRequest request, SandboxGuard guard, CancellationToken cancellationToken)
    {
        var runtime = request.Runtime;
        if (runtime == "docker")
        {
            // The image the suites will run: --vault-image, else $SANDBOX_VAULT_IMAGE, else the pinned one.
            // What that image's binary says of itself, never its name; unknown when it cannot be asked.
            var image = request.Variables.TryGetValue(Harness.Runtimes.Docker.DockerRuntime.VaultImageVariable, out var chosen)
                ? chosen
                : Harness.Runtimes.Docker.DockerRuntime.VaultImageFor(new Harness.Runtimes.SandboxOptions());
            var (said, saidVersion) = await new Harness.Runtimes.Docker.DockerRuntime(guard: guard).AskVaultImageAsync(image, cancellationToken);
            return new VaultInfo(ToReportingKind(said), saidVersion);
        }

        // What the binary says of itself ('version'); unknown until a sandbox reports it, never a default.
        if (runtime is "process" or "auto" && VaultBinaryLocator.Find().Launch is { } launch)
        {
            var (kind, version) = await VaultVersionProbe.ProbeAsync(launch, guard, cancellationToken);
            return new VaultInfo(ToReportingKind(kind), version);
        }

        return new VaultInfo(VaultKind.Unknown, null);
    }

    private static VaultKind ToReportingKind(Harness.Runtimes.VaultKind kind) => kind switch
    {
        Harness.Runtimes.VaultKind.Double => VaultKind.VaultDouble,
        Harness.Runtimes.VaultKind.OpenBao => VaultKind.OpenBao,
        Harness.Runtimes.VaultKind.Vault => VaultKind.HashiCorpVault,
        _ => VaultKind.Unknown,
    };

    internal static async Task<(string Runtime, VaultInfo Vault)> ReadRunAsync(string raw, string runtime, VaultInfo predicted, CancellationToken cancellationToken)
    {
        var file = Path.Combine(raw, "run.json");
        if (!SandboxGuard.ForFiles.FileExists(file, FilesCaller))
        {
            return (runtime, predicted);
        }

        using var doc = JsonDocument.Parse(await SandboxGuard.ForFiles.ReadAllTextAsync(file, FilesCaller, cancellationToken));
        var r = doc.RootElement;
        var kind = r.GetProperty("vaultKind").GetString() switch
        {
            "double" => VaultKind.VaultDouble,
            "openbao" => VaultKind.OpenBao,
            "vault" => VaultKind.HashiCorpVault,
            _ => VaultKind.Unknown,
        };
        return (r.GetProperty("runtime").GetString() ?? runtime, new VaultInfo(kind, r.GetProperty("vaultVersion").GetString()));
    }

    internal static async Task<string?> ConcatenateAsync(string target, IReadOnlyList<string> sources, Func<string, string>? header, CancellationToken cancellationToken)
    {
        var files = SandboxGuard.ForFiles;
        var present = sources.Where(s => files.FileExists(s, FilesCaller)).ToList();
        if (present.Count == 0)
        {
            return null;
        }

        await using var output = new StreamWriter(files.OpenFile(target, FileMode.Create, FileAccess.Write, FilesCaller), new UTF8Encoding(false));
        foreach (var source in present)
        {
            if (header is not null)
            {
                await output.WriteLineAsync(header(source));
            }

            using var reader = new StreamReader(files.OpenFile(source, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, FilesCaller));
            await output.WriteAsync(await reader.ReadToEndAsync(cancellationToken));
        }

        return target;
    }

    private void Banner(string runtime, VaultInfo vault, string verb)
    {
        var isDouble = vault.Kind is VaultKind.VaultDouble or VaultKind.Unknown;
        var colour = isDouble ? "yellow" : vault.Kind == VaultKind.OpenBao ? "blue" : "green";
        var text = new StringBuilder()
            .Append(CultureInfo.InvariantCulture, $"[bold]Runtime {verb}:[/] {Markup.Escape(EvidencePack.DescribeRuntime(runtime))}\n")
            .Append(CultureInfo.InvariantCulture, $"[bold]Vault {verb}:[/]   [bold {colour}]{Markup.Escape(vault.Describe())}[/]");
        if (isDouble)
        {
            text.Append("\n[yellow]These results come from Sandbox's Vault double, a test fixture. They are NOT evidence about HashiCorp Vault.[/]");
        }

        _console.Write(new Panel(new Markup(text.ToString())).Border(BoxBorder.Heavy).BorderColor(isDouble ? Color.Yellow : Color.Green).Expand());
    }

    [GeneratedRegex(@"^\s*(Passed|Failed|Skipped)\s+(\S.*?)\s+(\[[^\]]*\])\s*$")]
    private static partial Regex TestLine();
}
