using System.ComponentModel;
using Sandbox.Harness.Identity;
using Sandbox.Harness.Replay;
using Sandbox.Harness.Runtimes;
using Sandbox.Harness.Runtimes.Plan;
using Sandbox.Harness.Runtimes.Process;
using Sandbox.Harness.Topology;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Sandbox.Cli.Commands;

/// <summary><c>sandbox up [--runtime auto|process|docker|k3d] [--name NAME] [--vault-image IMAGE] [--postgres-data auto|memory|disk] [--vault-binary PATH] [--shares N --threshold T] [--json]</c>.</summary>
internal sealed class UpCommand : AsyncCommand<UpCommand.Settings>
{
    private readonly IAnsiConsole _console;

    public UpCommand(IAnsiConsole console)
    {
        _console = console;
    }

    public sealed class Settings : SandboxSettings
    {
        [CommandOption("--runtime <RUNTIME>")]
        [Description("auto (default: the most real runtime this machine can run), process, docker or k3d.")]
        public string Runtime { get; init; } = "auto";

        [CommandOption("--name <NAME>")]
        [Description("The sandbox name: a DNS-1123 label of at most 30 characters. Default: sbx-<random>.")]
        public string? Name { get; init; }

        [CommandOption("--vault-image <IMAGE>")]
        [Description("docker/k3d: the Vault image (default: the pinned hashicorp/vault tag).")]
        public string? VaultImage { get; init; }

        [CommandOption("--postgres-image <IMAGE>")]
        [Description("docker: the PostgreSQL image (default: the pinned postgres tag).")]
        public string? PostgresImage { get; init; }

        [CommandOption("--postgres-data <WHERE>")]
        [Description("process: where PostgreSQL's data goes: memory (/dev/shm), disk (the run folder) or auto (memory when /dev/shm has 512 MiB free, else disk). Default: $SANDBOX_POSTGRES_DATA, else auto.")]
        public string? PostgresData { get; init; }

        [CommandOption("--vault-binary <PATH>")]
        [Description("process: a vault or bao binary (default: $SANDBOX_VAULT_BINARY, vault/bao on PATH, else the Vault double).")]
        public string? VaultBinary { get; init; }

        [CommandOption("--images <DIR>")]
        [Description("k3d: import the image tarballs (*.tar) in DIR into the cluster (air-gapped machines).")]
        public string? Images { get; init; }

        [CommandOption("--plan <DIR>")]
        [Description("Run nothing: write into DIR every file up would apply and plan.json (commands, files, Vault writes with secrets redacted). Needs --runtime process, docker or k3d.")]
        public string? Plan { get; init; }

        [CommandOption("--charts <DIR>")]
        [Description("k3d: install the chart archives in DIR (vault-0.34.1.tgz, vault-secrets-operator-1.4.1.tgz, as 'helm pull' writes them) instead of adding HashiCorp's Helm repository.")]
        public string? Charts { get; init; }

        [CommandOption("--start-timeout <SECONDS>")]
        [Description("k3d: how long the first start may take (PVC binding, first image pulls). Default 300.")]
        public int? StartTimeout { get; init; }

        [CommandOption("--topology <FILE>")]
        [Description("The names to replay into the new sandbox (mounts, auth, policies, roles, database, transit, seeds). Default: fixtures/topology.yaml.")]
        public string? Topology { get; init; }

        [CommandOption("--no-replay")]
        [Description("Leave the new sandbox empty: do not replay the topology.")]
        public bool NoReplay { get; init; }

        [CommandOption("--shares <N>")]
        [Description("Unseal key shares (default 1).")]
        public int Shares { get; init; } = 1;

        [CommandOption("--threshold <T>")]
        [Description("Unseal threshold (default 1).")]
        public int Threshold { get; init; } = 1;

        public RuntimeKind RuntimeKind => ParseRuntime(Runtime) ?? RuntimeKind.Auto;

        public override ValidationResult Validate()
        {
            if (ParseRuntime(Runtime) is null)
            {
                return ValidationResult.Error($"--runtime '{Runtime}' is unknown; use auto, process, docker or k3d.");
            }

            if (Missing(Name) || Missing(Images) || Missing(VaultImage) || Missing(PostgresImage) || Missing(PostgresData) || Missing(VaultBinary) || Missing(Home) || Missing(Topology) || Missing(Plan) || Missing(Charts))
            {
                return ValidationResult.Error("an option is missing its value: --name NAME, --vault-image IMAGE, --postgres-image IMAGE, --postgres-data WHERE, --vault-binary PATH, --home DIR, --topology FILE, --plan DIR, --charts DIR.");
            }

            if (PostgresData is not null && !PostgresDataPlacement.TryRead(PostgresData, "--postgres-data", out _, out var problem))
            {
                return ValidationResult.Error($"--postgres-data {problem!.Detail}: {problem.HowToGet}.");
            }

            if (PostgresData is not null && RuntimeKind is RuntimeKind.Docker or RuntimeKind.K3d)
            {
                return ValidationResult.Error($"--postgres-data is for the process runtime only: on --runtime {Runtime.Trim().ToLowerInvariant()} PostgreSQL keeps its data in a volume. Leave it out, or use --runtime process.");
            }

            if (StartTimeout is { } seconds && seconds < 1)
            {
                return ValidationResult.Error($"--start-timeout {seconds} is invalid: give the seconds the first start may take, for example --start-timeout 600.");
            }

            return ValidationResult.Success();
        }

        internal static RuntimeKind? ParseRuntime(string? value) => value?.Trim().ToLowerInvariant() switch
        {
            "auto" => RuntimeKind.Auto,
            "process" => RuntimeKind.Process,
            "docker" => RuntimeKind.Docker,
            "k3d" => RuntimeKind.K3d,
            _ => null,
        };
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);

        // The topology is read and validated before anything starts: a bad file creates nothing.
        var topology = settings.NoReplay ? null : TopologyLoader.Load(TopologyDefaults.Resolve(settings.Topology));
        if (topology is not null && settings.RuntimeKind == RuntimeKind.K3d)
        {
            Harness.Runtimes.K3d.VsoManifests.Validate(topology);
        }

        var manager = new SandboxManager(home: settings.Home);
        if (settings.RuntimeKind is RuntimeKind.Process or RuntimeKind.Auto)
        {
            // A fresh clone: build the Vault double (with progress) instead of failing preflight. Progress goes
            // to stderr under --json so that stdout stays one JSON object.
            await VaultDoubleBuild.EnsureAsync(settings.Json ? CliOutput.StderrConsole : _console, settings.VaultBinary, cancellationToken).ConfigureAwait(false);
        }

        // The sandbox's own JWT issuer: its private key stays in the run folder (0600) so that later
        // commands and tests can mint Gitea-shaped tokens that the sandbox's JWT auth trusts. Its RSA key
        // is made on another thread while PostgreSQL and Vault start: 'up' waits for it only before replay.
        await using var pendingIssuer = new PendingJwtIssuer(JwtIssuerDefaults.IssuerOf(topology));
        ReplayResult? replay = null;

        // The issuer key and the replay are part of 'up': the state says Ready only after them, so a
        // process killed mid-replay leaves a sandbox that 'sweep' removes, never a "ready" one with names missing.
        async Task PrepareAsync(SandboxHandle sandbox, CancellationToken ct)
        {
            var issuer = await pendingIssuer.WaitAsync(ct).ConfigureAwait(false);
            await issuer.SaveAsync(sandbox.Paths.JwtIssuerKeyFile, sandbox.Guard, ct).ConfigureAwait(false);
            if (topology is not null)
            {
                // Process/docker: Kubernetes auth needs a cluster API, so replay skips that part and
                // says so ('sandbox replay --kubernetes-host URL' applies it). k3d: the in-cluster view
                // (Kubernetes auth against the cluster's own API), then the per-app VSO objects and apps.
                var replayOptions = sandbox.ReplayOptions([issuer.PublicKeyPem]);
                replay = await new TopologyReplayer(sandbox.Root, sandbox.Guard)
                    .ReplayAsync(topology, replayOptions, ct).ConfigureAwait(false);
                await sandbox.ApplyAppsAsync(topology, ct).ConfigureAwait(false);
            }
        }

        var options = new SandboxOptions
        {
            Runtime = settings.RuntimeKind,
            Name = settings.Name,
            VaultBinary = settings.VaultBinary,
            VaultImage = settings.VaultImage,
            PostgresImage = settings.PostgresImage,
            PostgresData = settings.PostgresData,
            ImagesDirectory = settings.Images is null ? null : Path.GetFullPath(settings.Images),
            ChartsDirectory = settings.Charts is null ? null : Path.GetFullPath(settings.Charts),
            Shares = settings.Shares,
            Threshold = settings.Threshold,
            Detached = true,
            Prepare = PrepareAsync,
        };
        if (settings.StartTimeout is { } seconds)
        {
            options = options with { FirstStartTimeout = TimeSpan.FromSeconds(seconds) };
        }

        if (settings.Plan is { } planFolder)
        {
            var plan = await SandboxPlanner.PlanAsync(manager, options, Path.GetFullPath(planFolder), topology, cancellationToken).ConfigureAwait(false);
            if (settings.Json)
            {
                CliOutput.WriteJson(_console, new { plan = Path.Combine(plan.Folder, "plan.json"), runtime = CliOutput.RuntimeName(plan.Runtime), commands = plan.Commands.Count, files = plan.Files, vaultWrites = plan.VaultWrites.Count });
            }
            else
            {
                _console.MarkupLine($"[green]PLANNED[/] {CliOutput.RuntimeName(plan.Runtime)}: nothing was run or started.");
                _console.MarkupLine($"  {plan.Commands.Count} commands, {plan.Files.Count} files, {plan.VaultWrites.Count} Vault writes (secrets shown as {Markup.Escape(SandboxPlan.Redacted)})");
                _console.MarkupLine($"  Read: {Markup.Escape(Path.Combine(plan.Folder, "plan.json"))}");
            }

            return 0;
        }

        // Detached: the handle is not disposed, so the sandbox outlives this command.
        var sandbox = await manager.UpAsync(options, cancellationToken).ConfigureAwait(false);
        var status = await sandbox.StatusAsync(cancellationToken).ConfigureAwait(false);
        if (settings.Json)
        {
            var json = CliOutput.Describe(status, withState: false);
            json["jwtIssuerKeyFile"] = sandbox.Paths.JwtIssuerKeyFile;
            json["replay"] = replay is null ? null : new { topology = topology!.SourceFiles[^1], summary = replay.Summary, changeCount = replay.ChangeCount };
            CliOutput.WriteJson(_console, json);
        }
        else
        {
            _console.MarkupLine("[green]READY[/]");
            CliOutput.WriteText(_console, status, withState: false);
            _console.MarkupLine(replay is null
                ? "  Topology:     not replayed (--no-replay)"
                : $"  Topology:     {Markup.Escape(topology!.SourceFiles[^1])} replayed: {Markup.Escape(replay.Summary)}");
            _console.MarkupLine($"  JWT issuer:   {Markup.Escape(sandbox.Paths.JwtIssuerKeyFile)} (private key; JWT auth trusts its public key)");
            _console.MarkupLine($"  PostgreSQL:   {Markup.Escape(sandbox.Postgres.ToString())} (password in {Markup.Escape(sandbox.Paths.PostgresPasswordFile)})");
            _console.MarkupLine($"Remove it with: sandbox down --name {sandbox.Name}");
        }

        return 0;
    }
}
