using System.Text.Json;
using System.Text.Json.Nodes;
using Sandbox.Harness.Guard;
using Sandbox.Harness.Reporting;
using Sandbox.Harness.Runtimes;

namespace Sandbox.Scenarios.Infrastructure;

/// <summary>
/// What every suite of one <c>dotnet test</c> run shares: the runtime, the report folder, the
/// canary, the run's denylist (built-in + the user's + the canary), the guard and its audit log,
/// and the sandbox manager. Made once by <see cref="ScenarioRun"/> (the SetUpFixture).
/// </summary>
internal sealed class ScenarioEnvironment : IAsyncDisposable
{
    /// <summary>Chooses the runtime: <c>process</c> (default), <c>docker</c>, <c>k3d</c> or <c>auto</c>.</summary>
    public const string RuntimeVariable = "SANDBOX_RUNTIME";

    /// <summary>The raw folder inside the report: files the test process leaves for the CLI to compose.</summary>
    public const string RawFolder = "raw";

    /// <summary>The audit log the guard writes during the run, relative to the report folder.</summary>
    public static readonly string GuardAuditFile = Path.Combine(RawFolder, "guard-audit.jsonl");

    /// <summary>Where each sandbox's Vault log is kept after the sandbox is gone, relative to the report folder.</summary>
    public static readonly string VaultLogsFolder = Path.Combine(RawFolder, "vault-logs");

    /// <summary>The runtime and Vault the run used, for the CLI's report header.</summary>
    public static readonly string RunFile = Path.Combine(RawFolder, "run.json");

    private static ScenarioEnvironment? _current;
    private readonly Lock _gate = new();
    private bool _runWritten;

    private ScenarioEnvironment(RuntimeKind runtime, EvidenceWriter evidence, CanaryListener canary, string denylistFile, SandboxGuard guard, string home)
    {
        Runtime = runtime;
        Evidence = evidence;
        Canary = canary;
        DenylistFile = denylistFile;
        Guard = guard;
        Home = home;
        Manager = new SandboxManager(guard, home);
    }

    /// <summary>The run's environment; set by the SetUpFixture before any suite starts.</summary>
    public static ScenarioEnvironment Current => _current ?? throw new InvalidOperationException(
        "The scenario environment is not set up: run the suites through 'dotnet test scenarios/Sandbox.Scenarios' so that the SetUpFixture runs first.");

    public RuntimeKind Runtime { get; }

    public EvidenceWriter Evidence { get; }

    public string ReportDirectory => Evidence.ReportDirectory;

    public CanaryListener Canary { get; }

    /// <summary>The run's denylist file (SANDBOX_DENYLIST for the run and every child, so the Vault double's guard has the canary too).</summary>
    public string DenylistFile { get; }

    public SandboxGuard Guard { get; }

    public string Home { get; }

    public SandboxManager Manager { get; }

    /// <summary>Builds the run's environment: canary, denylist, guard, audit log, manager.</summary>
    public static ScenarioEnvironment Start()
    {
        var runtime = ParseRuntime(Environment.GetEnvironmentVariable(RuntimeVariable));
        var evidence = EvidenceWriter.FromEnvironment();
        var raw = Path.Combine(evidence.ReportDirectory, RawFolder);
        Directory.CreateDirectory(raw);

        var canary = new CanaryListener();

        // The run's denylist: whatever the user gave (SANDBOX_DENYLIST) plus the canary, written
        // to one file that this process and every child (the Vault double) load on top of the built-in list.
        var user = Environment.GetEnvironmentVariable(Denylist.EnvironmentVariable);
        var canaryList = Denylist.Parse($"addresses: [\"{CanaryListener.Address}\"]\n", "scenario canary (127.0.0.2, declared production for this run)");
        var extra = string.IsNullOrWhiteSpace(user) ? canaryList : Denylist.Load(user).Merge(canaryList);
        var denylistFile = Path.Combine(raw, "run-denylist.yaml");
        File.WriteAllText(denylistFile, ToYaml(extra));
        Environment.SetEnvironmentVariable(Denylist.EnvironmentVariable, denylistFile);
        var denylist = Denylist.Resolve(null);

        var audit = GuardAuditLog.ToFile(Path.Combine(evidence.ReportDirectory, GuardAuditFile));
        var guard = new SandboxGuard(denylist, audit);

        // Short home: PostgreSQL's unix socket path must stay under ~100 characters.
        var home = Path.Combine(Path.GetTempPath(), "sbx-scn-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(home);
        _current = new ScenarioEnvironment(runtime, evidence, canary, denylistFile, guard, home);
        return _current;
    }

    /// <summary>Parses <see cref="RuntimeVariable"/>; unset means <c>process</c>.</summary>
    public static RuntimeKind ParseRuntime(string? value) => value?.Trim().ToLowerInvariant() switch
    {
        null or "" or "process" => RuntimeKind.Process,
        "docker" => RuntimeKind.Docker,
        "k3d" => RuntimeKind.K3d,
        "auto" => RuntimeKind.Auto,
        _ => throw new ArgumentException($"{RuntimeVariable}={value} is not a runtime. Use process, docker, k3d or auto."),
    };

    /// <summary>Records, once, which runtime and Vault the run used (the CLI puts it in the report header).</summary>
    public void RecordRun(SandboxHandle sandbox)
    {
        ArgumentNullException.ThrowIfNull(sandbox);
        lock (_gate)
        {
            if (_runWritten)
            {
                return;
            }

            _runWritten = true;
            var node = new JsonObject
            {
                ["runtime"] = sandbox.Runtime.ToString().ToLowerInvariant(),
                ["vaultKind"] = VaultFlavor.KindNameOf(sandbox.Vault.Kind),
                ["vaultVersion"] = sandbox.Vault.Version,
                ["vaultDescription"] = sandbox.Vault.Describe(),
            };
            File.WriteAllText(Path.Combine(ReportDirectory, RunFile), node.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        }
    }

    /// <summary>Keeps a sandbox's Vault log in the report before the sandbox (and its run folder) goes away.</summary>
    public void KeepVaultLog(SandboxHandle sandbox)
    {
        ArgumentNullException.ThrowIfNull(sandbox);
        if (!sandbox.Guard.FileExists(sandbox.VaultLog, "scenario"))
        {
            return;
        }

        var folder = Path.Combine(ReportDirectory, VaultLogsFolder);
        Directory.CreateDirectory(folder);
        File.Copy(sandbox.VaultLog, Path.Combine(folder, sandbox.Name + ".log"), overwrite: true);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            foreach (var name in Manager.List())
            {
                using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(2));
                await Manager.DownAsync(name, cts.Token);
            }
        }
        finally
        {
            await Canary.DisposeAsync();
            Guard.Audit.Dispose();
            if (Directory.Exists(Home))
            {
                Directory.Delete(Home, recursive: true);
            }

            _current = null;
        }
    }

    private static string ToYaml(Denylist list)
    {
        // JSON is YAML: one flow mapping of string lists, only the non-empty keys.
        var node = new JsonObject();
        void Add(string key, IReadOnlyList<string> values)
        {
            if (values.Count > 0)
            {
                node[key] = new JsonArray([.. values.Select(v => (JsonNode?)JsonValue.Create(v))]);
            }
        }

        Add("hosts", list.Hosts);
        Add("addresses", list.Addresses);
        Add("urls", list.Urls);
        Add("kubeContexts", list.KubeContexts);
        Add("files", list.Files);
        Add("env", list.Env);
        Add("allow", list.Allow);
        return "# The run's denylist additions (the built-in list always applies too): the user's file and the canary.\n" + node.ToJsonString() + "\n";
    }
}
