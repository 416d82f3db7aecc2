using System.ComponentModel;
using System.Text.Encodings.Web;
using System.Text.Json;
using Sandbox.Harness;
using Sandbox.Harness.Guard;
using Sandbox.Harness.Identity;
using Sandbox.Harness.Keys;
using Sandbox.Harness.Replay;
using Sandbox.Harness.Runtimes;
using Sandbox.Harness.Tofu;
using Sandbox.Harness.Topology;
using Sandbox.Harness.Vault;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Sandbox.Cli.Commands;

/// <summary>
/// <c>sandbox replay [--name SANDBOX [--home DIR] | --address URL --token-file FILE] [--topology FILE | --check --against-tofu DIR] [--jwt-pubkey FILE] [--check] [--parity] [--denylist FILE] [--json]</c>:
/// applies the topology to a running sandbox (or compares it, with <c>--check</c>, with the topology or with the OpenTofu code).
/// </summary>
internal sealed class ReplayCommand : AsyncCommand<ReplayCommand.Settings>
{
    private const string Caller = "sandbox replay";
    private static readonly JsonSerializerOptions JsonOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
    private static readonly JsonSerializerOptions StateJson = new(JsonSerializerDefaults.Web);

    private readonly IAnsiConsole _console;

    public ReplayCommand(IAnsiConsole console)
    {
        _console = console;
    }

    public sealed class Settings : CommandSettings
    {
        [CommandOption("--name <SANDBOX>")]
        [Description("The sandbox (run folder .sandbox/<SANDBOX>/ under $SANDBOX_HOME or the current folder). Default: the only sandbox there.")]
        public string? Name { get; init; }

        [CommandOption("--home <DIR>")]
        [Description("With --name: the folder holding .sandbox/. Default: $SANDBOX_HOME, else the current directory.")]
        public string? Home { get; init; }

        [CommandOption("--topology <FILE>")]
        [Description("The topology file. Default: fixtures/topology.yaml.")]
        public string? Topology { get; init; }

        [CommandOption("--check")]
        [Description("Compare the sandbox with the topology and write nothing. Exit 13 (Drift) with a readable diff on any difference, 0 when identical.")]
        public bool Check { get; init; }

        [CommandOption("--against-tofu <DIR>")]
        [Description("With --check: compare the sandbox with the topology imported from this OpenTofu root module (as 'sandbox topology import' reads it) instead of --topology.")]
        public string? AgainstTofu { get; init; }

        [CommandOption("--var <NAME=VALUE>")]
        [Description("With --against-tofu: a root module variable, as tofu's -var. Repeatable.")]
        public string[] Vars { get; init; } = [];

        [CommandOption("--var-file <FILE>")]
        [Description("With --against-tofu: a .tfvars file. Repeatable.")]
        public string[] VarFiles { get; init; } = [];

        [CommandOption("--parity")]
        [Description("Also run the name parity check (tokens of <app> and gitea_cicd_<app> reach their own names and nothing of another app). Exit 13 when it fails.")]
        public bool Parity { get; init; }

        [CommandOption("--address <URL>")]
        [Description("A Vault address instead of --name (a real Vault too; every connection goes through the guard). Needs --token-file.")]
        public string? Address { get; init; }

        [CommandOption("--token-file <FILE>")]
        [Description("The file holding the token for --address (mode 0600).")]
        public string? TokenFile { get; init; }

        [CommandOption("--kubernetes-host <URL>")]
        [Description("Kubernetes auth's kubernetes_host. The config guard accepts only an endpoint the sandbox runs (docs/replay.md); anything else, other loopback ports included, exits 3. Without it Kubernetes config and roles are skipped.")]
        public string? KubernetesHost { get; init; }

        [CommandOption("--jwt-pubkey <FILE>")]
        [Description("The sandbox issuer's public key (PEM) for JWT auth's jwt_validation_pubkeys. Default with --name: the public key of the run folder's jwt-issuer.pem (written by 'sandbox up'). Without either, JWT config and roles are skipped.")]
        public string? JwtPublicKey { get; init; }

        [CommandOption("--denylist <FILE>")]
        [Description("A denylist YAML file that adds to the built-in one. Default: $SANDBOX_DENYLIST, else only the built-in production denylist.")]
        public string? Denylist { get; init; }

        [CommandOption("--json")]
        [Description("Print one JSON object instead of text.")]
        public bool Json { get; init; }

        public override ValidationResult Validate()
        {
            foreach (var (value, option) in new[] { (Name, "--name SANDBOX"), (Home, "--home DIR"), (Topology, "--topology FILE"), (Address, "--address URL"), (TokenFile, "--token-file FILE"),
                         (KubernetesHost, "--kubernetes-host URL"), (JwtPublicKey, "--jwt-pubkey FILE"), (Denylist, "--denylist FILE"), (AgainstTofu, "--against-tofu DIR") })
            {
                // Spectre.Console.Cli fills a trailing value-less option with "__default_command".
                if (value is not null && (string.IsNullOrWhiteSpace(value) || value == "__default_command"))
                {
                    return ValidationResult.Error($"{option.Split(' ')[0]} needs a value: sandbox replay {option}");
                }
            }

            if (AgainstTofu is not null && !Check)
            {
                return ValidationResult.Error("--against-tofu DIR goes with --check (to replay the code's names, import them first: sandbox topology import --tofu DIR --out FILE)");
            }

            if (AgainstTofu is not null && Topology is not null)
            {
                return ValidationResult.Error("give either --topology FILE or --against-tofu DIR, not both");
            }

            if ((Vars.Length > 0 || VarFiles.Length > 0) && AgainstTofu is null)
            {
                return ValidationResult.Error("--var and --var-file go with --against-tofu DIR");
            }

            if (TofuVars.Parse(Vars, out _) is { } varError)
            {
                return ValidationResult.Error(varError);
            }

            if (Address is not null && TokenFile is null)
            {
                return ValidationResult.Error("--address needs --token-file FILE (the token to use; never pass a token on the command line)");
            }

            if (Address is not null && Home is not null)
            {
                return ValidationResult.Error("--home goes with --name SANDBOX, not with --address URL");
            }

            if (Address is not null && Name is not null)
            {
                return ValidationResult.Error("give either --name SANDBOX or --address URL --token-file FILE, not both");
            }

            return ValidationResult.Success();
        }
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var denylist = Harness.Guard.Denylist.Resolve(settings.Denylist);
        using var audit = GuardAuditLog.InMemory();
        var guard = new SandboxGuard(denylist, audit);
        TofuImportResult? imported = null;
        if (settings.AgainstTofu is { } tofu)
        {
            _ = TofuVars.Parse(settings.Vars, out var vars);
            imported = TofuImporter.Import(tofu, guard, new TofuImportOptions { Vars = vars, VarFiles = settings.VarFiles, Caller = Caller });
        }

        var topology = imported?.Validate() ?? TopologyLoader.Load(TopologyDefaults.Resolve(settings.Topology));
        var target = await ResolveTargetAsync(settings, guard, cancellationToken).ConfigureAwait(false);

        using var http = guard.CreateHttpClient(Caller);
        var root = new VaultClient(target.Address, http).WithToken(target.Token);
        var options = new ReplayOptions
        {
            Postgres = target.Postgres,
            KubernetesHost = settings.KubernetesHost,
            JwtValidationPubkeys = settings.JwtPublicKey is { } pem
                ? [await ReadGuardedAsync(guard, pem, cancellationToken).ConfigureAwait(false)]
                : await IssuerPublicKeyAsync(target, topology, guard, cancellationToken).ConfigureAwait(false),
        };

        var exit = ExitCode.Ok;
        var json = new Dictionary<string, object?>
        {
            ["command"] = settings.Check ? "replay --check" : "replay",
            ["sandbox"] = target.Description,
            ["address"] = target.Address.ToString(),
            ["topology"] = imported is null ? topology.SourceFiles[^1] : null,
            ["againstTofu"] = imported?.Directory,
            ["parts"] = options.Parts.ToString(),
        };
        var plan = TopologyPlan.From(topology);
        if (settings.Check)
        {
            var report = await new ObservedStateReader(root).CompareAsync(plan, options.Parts, cancellationToken).ConfigureAwait(false);
            json["drift"] = report.HasDrift;
            json["compared"] = report.Compared;
            json["items"] = report.Items.Select(i => new { kind = i.Kind.ToString().ToLowerInvariant(), category = i.Category, name = i.Name, details = i.Details }).ToArray();
            if (imported is not null)
            {
                json["tofuLeftOut"] = imported.Notes;
                Print(settings, imported.Describe().TrimEnd());
            }

            Print(settings, $"Sandbox: {target.Description} at {target.Address}\n{Skipped(options.Parts)}{report}");
            exit = report.HasDrift ? ExitCode.Drift : ExitCode.Ok;
        }
        else
        {
            var result = await new TopologyReplayer(root, guard).ReplayAsync(topology, options, cancellationToken).ConfigureAwait(false);
            json["summary"] = result.Summary;
            json["changeCount"] = result.ChangeCount;
            json["changes"] = result.Changes.Select(c => new { category = c.Category, name = c.Name, kind = c.Kind.ToString().ToLowerInvariant(), detail = c.Detail }).ToArray();
            Print(settings, $"Sandbox: {target.Description} at {target.Address}\n{result}");
        }

        if (settings.Parity)
        {
            var parity = await new NameParityCheck(root, guard).RunAsync(topology, new NameParityOptions { Parts = options.Parts }, cancellationToken).ConfigureAwait(false);
            json["parity"] = new
            {
                passed = parity.Passed,
                notes = parity.Notes,
                probes = parity.Probes.Select(p => new { who = p.Who, operation = p.Operation, path = p.Path, expected = p.Expected.ToString().ToLowerInvariant(), actual = p.Actual.ToString().ToLowerInvariant(), passed = p.Passed, verdict = p.Verdict, detail = p.Detail }).ToArray(),
            };
            Print(settings, parity.Describe());
            if (!parity.Passed)
            {
                exit = ExitCode.Drift;
            }
        }

        if (settings.Json)
        {
            json["exitCode"] = (int)exit;
            _console.Profile.Out.Writer.WriteLine(JsonSerializer.Serialize(json, JsonOptions));
        }

        return (int)exit;
    }

    private static string Skipped(ReplayParts parts)
    {
        var missing = new List<string>();
        if (!parts.HasFlag(ReplayParts.Database))
        {
            missing.Add("database (no sandbox PostgreSQL)");
        }

        if (!parts.HasFlag(ReplayParts.KubernetesAuth))
        {
            missing.Add("Kubernetes config and roles (no --kubernetes-host)");
        }

        if (!parts.HasFlag(ReplayParts.JwtAuth))
        {
            missing.Add("JWT config and roles (no --jwt-pubkey and no jwt-issuer.pem in the run folder)");
        }

        return missing.Count == 0 ? "" : $"Not compared: {string.Join("; ", missing)}.\n";
    }

    private void Print(Settings settings, string text)
    {
        if (!settings.Json)
        {
            _console.Profile.Out.Writer.Write(text.EndsWith('\n') ? text : text + "\n");
        }
    }

    private sealed record Target(Uri Address, string Token, PostgresEndpoint? Postgres, string Description, string? JwtIssuerKeyFile = null);

    /// <summary>The public key of the sandbox issuer 'sandbox up' saved in the run folder, or null when there is none.</summary>
    private static async Task<IReadOnlyList<string>?> IssuerPublicKeyAsync(Target target, TopologySpec topology, SandboxGuard guard, CancellationToken cancellationToken)
    {
        if (target.JwtIssuerKeyFile is not { } file)
        {
            return null;
        }

        guard.EnsureFileAllowed(file, Caller);
        if (!File.Exists(file))
        {
            return null;
        }

        using var issuer = await SandboxJwtIssuer.LoadAsync(file, JwtIssuerDefaults.IssuerOf(topology), guard, cancellationToken: cancellationToken).ConfigureAwait(false);
        return [issuer.PublicKeyPem];
    }

    private static async Task<Target> ResolveTargetAsync(Settings settings, SandboxGuard guard, CancellationToken cancellationToken)
    {
        var keys = new SandboxKeyStore(guard, Caller);
        if (settings.Address is { } address)
        {
            if (!Uri.TryCreate(address, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
            {
                throw ReplayCliException.BadAddress(address);
            }

            guard.Ensure(guard.CheckUrl(uri, Caller));
            var token = await keys.ReadRootTokenAsync(Path.GetFullPath(settings.TokenFile!), cancellationToken).ConfigureAwait(false);
            return new Target(uri, token, null, $"Vault at {uri} (--address)");
        }

        var home = settings.Home is { } given ? Path.GetFullPath(given) : SandboxPaths.DefaultHome();
        var runs = Path.Combine(home, SandboxPaths.RunsFolderName);
        var existing = Directory.Exists(runs) ? Directory.GetDirectories(runs).Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal).ToArray() : [];
        var name = settings.Name ?? (existing.Length == 1 ? existing[0] : existing.Length == 0
            ? throw SandboxNotFoundException.Missing("(none given)", Path.Combine(runs, "<name>", "sandbox.json"), existing)
            : throw SandboxNotFoundException.Ambiguous(home, existing));
        var paths = new SandboxPaths(home, name);
        if (!guard.FileExists(paths.StateFile, Caller))
        {
            throw SandboxNotFoundException.Missing(name, paths.StateFile, existing);
        }

        var state = JsonSerializer.Deserialize<SandboxState>(await ReadGuardedAsync(guard, paths.StateFile, cancellationToken).ConfigureAwait(false), StateJson);
        if (state?.Address is not { } stateAddress || !Uri.TryCreate(stateAddress, UriKind.Absolute, out var vaultAddress))
        {
            throw ReplayCliException.NoAddress(name, paths.StateFile);
        }

        var rootToken = await keys.ReadRootTokenAsync(paths.RootTokenFile, cancellationToken).ConfigureAwait(false);
        PostgresEndpoint? postgres = null;
        if (state.PostgresHost is { } host && state.PostgresPort is { } port && state.PostgresSuperuser is { } user && guard.FileExists(paths.PostgresPasswordFile, Caller))
        {
            var password = (await ReadGuardedAsync(guard, paths.PostgresPasswordFile, cancellationToken).ConfigureAwait(false)).Trim();
            postgres = new PostgresEndpoint(host, port, user, password);
        }

        return new Target(vaultAddress, rootToken, postgres, $"sandbox '{name}' ({state.Runtime.ToString().ToLowerInvariant()} runtime, {state.VaultFlavor().Describe()})", paths.JwtIssuerKeyFile);
    }

    private static async Task<string> ReadGuardedAsync(SandboxGuard guard, string path, CancellationToken cancellationToken)
    {
        var full = Path.GetFullPath(path);
        if (!guard.FileExists(full, Caller))
        {
            throw ReplayCliException.MissingFile(full);
        }

        await using var stream = guard.OpenFile(full, FileMode.Open, FileAccess.Read, Caller);
        using var reader = new StreamReader(stream);
        return await reader.ReadToEndAsync(cancellationToken).ConfigureAwait(false);
    }
}
