using System.Globalization;
using CliWrap;
using CliWrap.Buffered;
using Sandbox.Harness.Guard;
using Sandbox.Harness.Runtimes.Internal;
using Sandbox.Harness.Runtimes.Process;

namespace Sandbox.Harness.Runtimes.Docker;

/// <summary>
/// The docker runtime: Vault (the official <c>hashicorp/vault</c> image, pinned in
/// <see cref="RuntimeVersions"/>; <c>openbao/openbao</c> or a stand-in selectable) in server mode
/// with file storage on a named volume (not dev mode), and PostgreSQL from the <c>postgres</c>
/// image, both with host networking bound to 127.0.0.1 on random ports (the daemon may run with no
/// bridge; nothing leaves loopback). Driven through the docker CLI (guarded, scrubbed environment)
/// so that another process can stop and remove everything from the state file alone. Every
/// container and volume carries the sandbox labels.
/// </summary>
internal sealed class DockerRuntime : ISandboxRuntime
{
    /// <summary>The variable that names the Vault image when no option does.</summary>
    public const string VaultImageVariable = "SANDBOX_VAULT_IMAGE";

    /// <summary>The variable that names the PostgreSQL image when no option does.</summary>
    public const string PostgresImageVariable = "SANDBOX_POSTGRES_IMAGE";

    /// <summary>Set to <c>on</c> once Docker Desktop's host networking is switched on (the daemon does not report it).</summary>
    public const string DesktopHostNetworkingVariable = "SANDBOX_DOCKER_HOST_NETWORKING";

    /// <summary>The oldest daemon API this runtime accepts (Docker Engine 19.03).</summary>
    public const string MinimumApiVersion = "1.40";

    /// <summary>The local stand-in Vault image (the Sandbox Vault double, NOT HashiCorp Vault).</summary>
    public const string StandinVaultImage = "sandbox-standin/vault-double:0.1.0";

    /// <summary>The local stand-in PostgreSQL image.</summary>
    public const string StandinPostgresImage = "sandbox-standin/postgres:15";

    /// <summary>The PostgreSQL image's initialisation settings (no secret): part of every env file and of the template's key.</summary>
    internal const string PostgresTemplateSettings = "POSTGRES_USER=postgres\nPOSTGRES_INITDB_ARGS=--auth-host=scram-sha-256\nPOSTGRES_HOST_AUTH_METHOD=scram-sha-256\n";

    /// <summary>What a plan shows for an image's ID, which only <c>docker image inspect</c> can tell.</summary>
    internal const string PlannedImageId = "<image-id>";

    private const string Caller = "sandbox-docker-runtime";
    private const string ConfigPath = "/sandbox/vault.hcl";
    private const string PostgresDataPath = "/var/lib/postgresql/data";
    private readonly string? _toolDirectory;
    private readonly SandboxGuard? _guard;
    private readonly CancellationTokenSource _lifetime = new();

    /// <summary>A new PostgreSQL container's first login, still pending: <see cref="StartVaultAsync"/> waits for it after Vault answers.</summary>
    private Task? _postgresReady;
    private bool _disposed;

    /// <summary>Creates the runtime.</summary>
    /// <param name="toolDirectory">Where the docker CLI is; PATH when null.</param>
    /// <param name="guard">The guard for preflight's child processes; a built-in one when null.</param>
    public DockerRuntime(string? toolDirectory = null, SandboxGuard? guard = null)
    {
        _toolDirectory = toolDirectory;
        _guard = guard;
    }

    /// <inheritdoc />
    public RuntimeKind Kind => RuntimeKind.Docker;

    /// <summary>Test hook: where ports come from (default: free loopback ports).</summary>
    internal Func<int> PortSource { get; init; } = LoopbackPorts.Free;

    /// <summary>Test hook: where Vault's cluster port comes from, given its API port (default: a free port below the ephemeral range).</summary>
    internal Func<int, int> ClusterPortSource { get; init; } = apiPort => LoopbackPorts.FreeReserved(apiPort);

    /// <inheritdoc />
    public async Task<RuntimePreflight> PreflightAsync(SandboxOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var found = new List<string>();
        var problems = new List<PreflightProblem>();
        var docker = FindDocker();
        if (docker is null)
        {
            problems.Add(new PreflightProblem("docker", "the docker CLI is not on PATH", "apt-get install -y docker.io, then scripts/start-docker.sh"));
            return new RuntimePreflight(RuntimeKind.Docker, found, problems);
        }

        var guard = _guard ?? new SandboxGuard(Denylist.BuiltIn, GuardAuditLog.InMemory());
        return await PreflightWithAsync((a, ct) => TryAsync(guard, docker, a, ct), guard, options, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    /// <remarks>
    /// Records the docker calls of <see cref="PreflightAsync"/>, in its order, through its
    /// own code, as a first <c>up</c> on a healthy daemon that holds both images makes them: the daemon's
    /// API, its host networking, each image's ID, the Vault image's <c>version</c> question (a real run
    /// skips it when the answer for that image ID is remembered), the leftovers of this name. Nothing runs;
    /// each call is judged by the guard and gets the answer of such a daemon (an image ID is
    /// <see cref="PlannedImageId"/>, which no answer is remembered for), so no cache is read or written.
    /// </remarks>
    public async Task PlanPreflightAsync(SandboxRun run, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(run);
        var plan = run.Plan ?? throw new InvalidOperationException("PlanPreflightAsync plans; this run is not a plan.");
        _ = await PreflightWithAsync(
            (args, _) =>
            {
                Record(run, plan, args);
                (int, string, string) answer = args switch
                {
                    ["version", ..] => (0, MinimumApiVersion, string.Empty),
                    ["image", "inspect", ..] => (0, PlannedImageId, string.Empty),
                    _ => (0, string.Empty, string.Empty),
                };
                return Task.FromResult(answer);
            },
            run.Guard,
            run.Options with { Name = run.Paths.Name },
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Preflight's checks, each docker call made through <paramref name="docker"/>.</summary>
    private static async Task<RuntimePreflight> PreflightWithAsync(VaultImageProbe.DockerCall docker, SandboxGuard guard, SandboxOptions options, CancellationToken cancellationToken)
    {
        var found = new List<string>();
        var problems = new List<PreflightProblem>();
        var version = await docker(["version", "--format", "{{.Server.APIVersion}}"], cancellationToken).ConfigureAwait(false);
        if (version.Error.Contains("is too new", StringComparison.OrdinalIgnoreCase))
        {
            // The CLI was pinned (DOCKER_API_VERSION) to an API the daemon does not speak.
            problems.Add(new PreflightProblem("a Docker daemon that speaks the CLI's API version", $"'docker version': {FirstLine(version.Error)}", $"unset DOCKER_API_VERSION (the CLI then negotiates), or upgrade Docker Engine to API {MinimumApiVersion} or later"));
            return new RuntimePreflight(RuntimeKind.Docker, found, problems);
        }

        if (version.Code != 0 || version.Output.Trim().Length == 0)
        {
            problems.Add(new PreflightProblem("a running Docker daemon", $"'docker version' failed: {FirstLine(version.Error)}", "start it: scripts/start-docker.sh (or 'systemctl start docker')"));
            return new RuntimePreflight(RuntimeKind.Docker, found, problems);
        }

        var api = version.Output.Trim();
        if (!Version.TryParse(api, out var apiVersion) || apiVersion < Version.Parse(MinimumApiVersion))
        {
            problems.Add(new PreflightProblem($"a Docker daemon with API {MinimumApiVersion} or later", $"the daemon speaks API {api}", $"upgrade Docker Engine to 19.03 or later (API {MinimumApiVersion}); this runtime is tested against API 1.41"));
            return new RuntimePreflight(RuntimeKind.Docker, found, problems);
        }

        found.Add($"Docker daemon: API {api}");
        problems.AddRange(await HostNetworkProblemsAsync(docker, cancellationToken).ConfigureAwait(false));
        foreach (var image in new[] { VaultImageFor(options), PostgresImageFor(options) })
        {
            var inspect = await docker(["image", "inspect", "--format", "{{.Id}}", image], cancellationToken).ConfigureAwait(false);
            if (inspect.Code == 0 && image == VaultImageFor(options))
            {
                // What the image's binary says it is decides the kind and the storage layout, never its name.
                var answer = await VaultImageProbe.AskAsync(docker, guard, image, inspect.Output.Trim(), cancellationToken).ConfigureAwait(false);
                if (answer.Kind == VaultKind.Unknown)
                {
                    problems.Add(NotAVault(image, answer));
                }
                else
                {
                    found.Add($"image {image}: {new VaultFlavor(answer.Kind, answer.Version ?? "unknown", image).Describe()}");
                }
            }
            else if (inspect.Code == 0)
            {
                found.Add($"image {image}");
            }
            else
            {
                problems.Add(new PreflightProblem(
                    $"the image {image}",
                    "not present locally (no registry is assumed reachable, so nothing was started)",
                    $"'docker pull {image}' where a registry is reachable, or 'docker save {image} -o image.tar' there and 'docker load -i image.tar' here; on this build machine, stand-ins: tests/standins/build-images.sh, then --vault-image {StandinVaultImage} --postgres-image {StandinPostgresImage}"));
            }
        }

        if (options.Name is { } name)
        {
            problems.AddRange(await LeftoverProblemsAsync(docker, name, cancellationToken).ConfigureAwait(false));
        }

        return new RuntimePreflight(RuntimeKind.Docker, found, problems);
    }

    /// <inheritdoc />
    public async Task<PostgresEndpoint> StartPostgresAsync(SandboxRun run, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(run);
        var container = ContainerName(run, "postgres");
        var created = false;
        if (!run.State.ContainerIds.Contains(container))
        {
            created = true;
            var port = PortSource();
            var password = run.NewSecret();
            if (run.Plan is null)
            {
                await ProcessRuntime.WriteSecretFileAsync(run.Paths.PostgresPasswordFile, password, cancellationToken).ConfigureAwait(false);
            }

            // The password reaches the container through an env file (0600), never a command line.
            var envFile = Path.Combine(run.Paths.RunFolder, "postgres.env");
            await run.WriteFileAsync(envFile, PostgresEnvironment(password, port), secret: true, cancellationToken).ConfigureAwait(false);
            var script = Path.Combine(run.Paths.RunFolder, "postgres-start.sh");
            await run.WriteFileAsync(script, PostgresTemplateVolume.StartScript, cancellationToken: cancellationToken).ConfigureAwait(false);
            if (run.Plan is null && !OperatingSystem.IsWindows())
            {
                // 0755: the container's postgres user runs it; it holds no secret.
                File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
            }

            var image = PostgresImageFor(run.Options);
            // One inspect: the image ID (the template's key) and the VOLUMEs it declares. A plan records it and
            // cannot read the ID, so it shows the key as a placeholder and the official image's one VOLUME.
            var inspected = await InspectImageAsync(run, image, cancellationToken).ConfigureAwait(false);
            var key = run.Plan is null ? PostgresTemplateVolume.Key(inspected.Id, PostgresTemplateSettings) : PostgresTemplateVolume.PlannedKey;
            var template = PostgresTemplateVolume.VolumeName(key);
            var mounts = VolumesFor(run, container, PostgresDataPath, run.Plan is null ? inspected.Volumes : PostgresDataPath);
            run.State.ContainerIds.Add(container);
            run.State.PostgresPort = port;
            run.State.PostgresHost = "127.0.0.1";
            run.State.PostgresSuperuser = "postgres";
            await run.SaveStateAsync(cancellationToken).ConfigureAwait(false);

            if (run.Plan is { } plan)
            {
                // What a first up on this daemon runs to build the template (no lock, no env file: nothing runs).
                PostgresTemplateVolume.Plan(args => Record(run, plan, args), image, key);
            }
            else
            {
                var throwaway = run.NewSecret();
                await PostgresTemplateVolume.EnsureAsync(
                    (a, ct) => TryAsync(run.Guard, FindDocker()!, a, ct),
                    image,
                    key,
                    PostgresEnvironment(throwaway, 5432),
                    cancellationToken).ConfigureAwait(false);
            }

            await CreateVolumesAsync(run, mounts, cancellationToken).ConfigureAwait(false);
            await DockerAsync(run, PostgresRunArguments(container, Labels(run), envFile, script, template, mounts, image, port), cancellationToken).ConfigureAwait(false);
        }
        else
        {
            await DockerAsync(run, ["start", container], cancellationToken).ConfigureAwait(false);
        }

        var password2 = run.Plan is null ? (await run.Guard.ReadAllTextAsync(run.Paths.PostgresPasswordFile, Caller, cancellationToken).ConfigureAwait(false)).Trim() : run.NewSecret();
        var endpoint = new PostgresEndpoint("127.0.0.1", run.State.PostgresPort!.Value, "postgres", password2);
        if (run.State.PostgresHost != endpoint.Host || run.State.PostgresSuperuser != endpoint.SuperuserName)
        {
            run.State.PostgresHost = endpoint.Host;
            run.State.PostgresSuperuser = endpoint.SuperuserName;
            await run.SaveStateAsync(cancellationToken).ConfigureAwait(false);
        }

        if (run.Plan is null && created)
        {
            // A new sandbox: its PostgreSQL comes up (template copy, own password, server start) while Vault's
            // container starts; StartVaultAsync waits for the first login before it returns, so nothing after
            // the StartVault step (init, replay) runs before PostgreSQL answers. Everything of it is in the
            // state already (container, volumes, port), so down and sweep find it after a crash at any step.
            var ready = WaitForPostgresAsync(run, endpoint, container, _lifetime.Token);
            _ = ready.ContinueWith(t => t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
            _postgresReady = ready;
        }
        else if (run.Plan is null)
        {
            await WaitForPostgresAsync(run, endpoint, container, cancellationToken).ConfigureAwait(false);
        }

        return endpoint;
    }

    /// <inheritdoc />
    public Task StopPostgresAsync(SandboxRun run, bool kill, CancellationToken cancellationToken = default) =>
        DockerAsync(run, kill ? ["kill", "--signal", "KILL", ContainerName(run, "postgres")] : ["stop", "-t", "10", ContainerName(run, "postgres")], cancellationToken);

    /// <inheritdoc />
    public Task<bool> IsPostgresRunningAsync(SandboxRun run, CancellationToken cancellationToken = default) =>
        IsRunningAsync(run, ContainerName(run, "postgres"), cancellationToken);

    /// <inheritdoc />
    public async Task<VaultFlavor> StartVaultAsync(SandboxRun run, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(run);
        var image = run.State.VaultSource.Length > 0 ? run.State.VaultSource : VaultImageFor(run.Options);
        var container = ContainerName(run, "vault");
        var exists = await ExistsAsync(run, container, cancellationToken).ConfigureAwait(false);
        // A new container needs the image's ID (what its binary said is kept per ID) and its VOLUMEs: one inspect for both.
        var inspected = exists ? default : await InspectImageAsync(run, image, cancellationToken).ConfigureAwait(false);
        var kind = await KindOfAsync(run, image, inspected.Id, cancellationToken).ConfigureAwait(false);
        run.State.VaultKind = VaultFlavor.KindNameOf(kind);
        run.State.VaultSource = image;
        var layout = VaultImageLayout.For(kind);
        if (!exists)
        {
            var port = run.State.VaultPort ?? PortSource();
            // Vault binds a cluster listener at every unseal (api_addr's port + 1 unless told): reserve one below the
            // ephemeral range, as the process runtime does, so that no other sandbox's "any free port" lands on it.
            var clusterPort = run.State.VaultClusterPort ?? ClusterPortSource(port);
            run.State.VaultClusterPort = clusterPort;
            await WriteVaultConfigAsync(run, layout, port, clusterPort, cancellationToken).ConfigureAwait(false);
            // Planning runs nothing, not even an inspect: the plan shows the volumes the official image declares.
            var mounts = VolumesFor(run, container, layout.StoragePath, run.Plan is not null ? string.Join(' ', layout.DeclaredVolumes) : inspected.Volumes);
            if (!run.State.ContainerIds.Contains(container))
            {
                run.State.ContainerIds.Add(container);
            }

            run.State.VaultPort = port;
            run.State.Address = $"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}";
            await run.SaveStateAsync(cancellationToken).ConfigureAwait(false);
            await CreateVolumesAsync(run, mounts, cancellationToken).ConfigureAwait(false);
            await DockerAsync(run, VaultRunArguments(container, Labels(run), run.Paths.VaultConfig, mounts, image), cancellationToken).ConfigureAwait(false);
        }
        else
        {
            await DockerAsync(run, ["start", container], cancellationToken).ConfigureAwait(false);
        }

        var what = new VaultFlavor(kind, run.State.VaultVersion, image).Describe();
        if (run.Plan is not null)
        {
            // A real wait inspects the container before each health probe until Vault answers; a plan, which waits for nothing, shows the first.
            _ = await IsVaultRunningAsync(run, cancellationToken).ConfigureAwait(false);
        }

        Vault.Models.SealStatus status;
        try
        {
            status = await VaultReadiness.WaitAsync(
                run,
                new Uri(run.State.Address!),
                what,
                ct => IsVaultRunningAsync(run, ct),
                () => $"  (see: docker logs {container})",
                cancellationToken).ConfigureAwait(false);
        }
        catch (SandboxRuntimeException e) when (e.ExitCode == ExitCode.Timeout)
        {
            if (await IsRunningAsync(run, container, CancellationToken.None).ConfigureAwait(false))
            {
                throw SandboxRuntimeException.ContainerRefuses(container, run.State.Address!, "Vault", e);
            }

            throw;
        }

        run.State.VaultVersion = string.IsNullOrWhiteSpace(status.Version) ? "unknown" : status.Version;
        await run.SaveStateAsync(cancellationToken).ConfigureAwait(false);
        if (_postgresReady is { } pending)
        {
            _postgresReady = null;
            try
            {
                await pending.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (SandboxRuntimeException) when (run.State.Phase == SandboxPhase.Starting)
            {
                // PostgreSQL's own step is what failed: say so (its wait overlapped Vault's start).
                run.State.Step = UpStep.StartPostgres;
                throw;
            }
        }

        return run.State.VaultFlavor();
    }

    /// <inheritdoc />
    public async Task StopVaultAsync(SandboxRun run, bool kill, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(run);
        var container = ContainerName(run, "vault");
        if (!await IsRunningAsync(run, container, cancellationToken).ConfigureAwait(false))
        {
            return;
        }

        await SaveLogAsync(run, container, cancellationToken).ConfigureAwait(false);
        string[] args = kill ? ["kill", "--signal", "KILL", container] : ["stop", "-t", ((int)run.Options.StopTimeout.TotalSeconds).ToString(CultureInfo.InvariantCulture), container];
        await DockerAsync(run, args, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public Task<bool> IsVaultRunningAsync(SandboxRun run, CancellationToken cancellationToken = default) =>
        IsRunningAsync(run, ContainerName(run, "vault"), cancellationToken);

    /// <inheritdoc />
    public async Task WipeVaultStorageAsync(SandboxRun run, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(run);
        var container = ContainerName(run, "vault");
        // -v: any anonymous volume the container has goes with it (the image declares VOLUMEs).
        await DockerIgnoringMissingAsync(run, ["rm", "-f", "-v", container], cancellationToken).ConfigureAwait(false);
        await DockerIgnoringMissingAsync(run, ["volume", "rm", "-f", container + "-data"], cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task CopyVaultStorageAsync(SandboxRun run, string destination, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentException.ThrowIfNullOrEmpty(destination);
        // docker cp reads the container's filesystem (its volumes included), running or stopped:
        // what Vault wrote, wherever the daemon keeps it (a VM on Docker Desktop, a remote host).
        Directory.CreateDirectory(destination);
        var storage = VaultImageLayout.For(run.State.VaultFlavor().Kind).StoragePath;
        await DockerAsync(run, ["cp", $"{ContainerName(run, "vault")}:{storage}/.", destination], cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task DestroyAsync(SandboxRun run, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(run);
        if (await ExistsAsync(run, ContainerName(run, "vault"), cancellationToken).ConfigureAwait(false))
        {
            await SaveLogAsync(run, ContainerName(run, "vault"), cancellationToken).ConfigureAwait(false);
        }

        foreach (var container in run.State.ContainerIds.ToList())
        {
            await DockerIgnoringMissingAsync(run, ["rm", "-f", "-v", container], cancellationToken).ConfigureAwait(false);
        }

        foreach (var volume in run.State.Volumes.ToList())
        {
            await DockerIgnoringMissingAsync(run, ["volume", "rm", "-f", volume], cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The PostgreSQL container's environment (the official image's variables). The image's
    /// initdb trusts loopback unless told otherwise, and the harness connects from 127.0.0.1 with
    /// host networking, so TCP must ask for a password: <c>--auth-host=scram-sha-256</c> for
    /// initdb's loopback lines and <c>POSTGRES_HOST_AUTH_METHOD</c> for the line the entrypoint
    /// appends (docker-library/postgres 15 docker-entrypoint.sh). PGPORT is the port the
    /// entrypoint's temporary server and psql use.
    /// </summary>
    /// <param name="password">The superuser's password.</param>
    /// <param name="port">The loopback port.</param>
    internal static string PostgresEnvironment(string password, int port) =>
        $"{PostgresTemplateSettings}POSTGRES_PASSWORD={password}\nPGPORT={port.ToString(CultureInfo.InvariantCulture)}\n";

    /// <summary>
    /// The <c>docker run</c> argv of PostgreSQL: host network, listening on 127.0.0.1 only. The
    /// container runs as the image's <c>postgres</c> user (the official image supports any user that
    /// owns PGDATA; a new named volume takes the owner of the image's PGDATA, which is postgres) with
    /// <see cref="PostgresTemplateVolume.StartScript"/> as its entrypoint: on a new volume it copies
    /// the template (mounted read-only) and sets the sandbox's own password, then runs the image's
    /// entrypoint with the same arguments.
    /// </summary>
    internal static string[] PostgresRunArguments(string container, string[] labels, string envFile, string script, string template, IReadOnlyList<(string Volume, string Path)> mounts, string image, int port) =>
    [
        "run", "-d", "--name", container, "--network", "host", .. labels, "--env-file", envFile,
        "--user", "postgres", "--entrypoint", PostgresTemplateVolume.ScriptPath,
        "-v", $"{script}:{PostgresTemplateVolume.ScriptPath}:ro,z",
        "-v", $"{template}:{PostgresTemplateVolume.MountPath}:ro",
        .. mounts.SelectMany(m => new[] { "-v", $"{m.Volume}:{m.Path}" }),
        image, "-c", "listen_addresses=127.0.0.1", "-c", $"port={port.ToString(CultureInfo.InvariantCulture)}",
    ];

    /// <summary>
    /// The <c>docker run</c> argv of Vault. SKIP_SETCAP=true: the image's entrypoint otherwise runs
    /// setcap under <c>set -e</c> and dies wherever file capabilities are refused (Vault's Helm chart
    /// sets it too; mlock is off in the config). The config is mounted read-only, outside the
    /// image's config folder (the entrypoint always adds <c>-config=/vault/config</c>), with
    /// <c>z</c> so that SELinux hosts relabel it for the container (ignored elsewhere).
    /// </summary>
    internal static string[] VaultRunArguments(string container, string[] labels, string configFile, IReadOnlyList<(string Volume, string Path)> mounts, string image) =>
    [
        "run", "-d", "--name", container, "--network", "host", "--cap-add", "IPC_LOCK", .. labels,
        "-e", "SKIP_SETCAP=true",
        "-v", $"{configFile}:{ConfigPath}:ro,z",
        .. mounts.SelectMany(m => new[] { "-v", $"{m.Volume}:{m.Path}" }),
        image, "server", $"-config={ConfigPath}",
    ];

    /// <summary>The Vault image: the option, else <c>SANDBOX_VAULT_IMAGE</c>, else <see cref="RuntimeVersions.VaultImage"/>.</summary>
    /// <param name="options">The options of <c>up</c>.</param>
    public static string VaultImageFor(SandboxOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var env = Environment.GetEnvironmentVariable(VaultImageVariable);
        return options.VaultImage ?? (string.IsNullOrWhiteSpace(env) ? RuntimeVersions.VaultImage : env);
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        // A PostgreSQL wait still pending (an up that failed before StartVault finished) stops with the runtime.
        if (!_disposed)
        {
            _disposed = true;
            _lifetime.Cancel();
            _lifetime.Dispose();
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>The PostgreSQL image: the option, else <c>SANDBOX_POSTGRES_IMAGE</c>, else <see cref="RuntimeVersions.PostgresImage"/>.</summary>
    /// <param name="options">The options of <c>up</c>.</param>
    public static string PostgresImageFor(SandboxOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var env = Environment.GetEnvironmentVariable(PostgresImageVariable);
        return options.PostgresImage ?? (string.IsNullOrWhiteSpace(env) ? RuntimeVersions.PostgresImage : env);
    }

    private static string ContainerName(SandboxRun run, string part) => $"sandbox-{run.Paths.Name}-{part}";

    private static string[] Labels(SandboxRun run) =>
        [.. run.State.Labels.OrderBy(l => l.Key, StringComparer.Ordinal).SelectMany(l => new[] { "--label", $"{l.Key}={l.Value}" })];

    private async Task SaveLogAsync(SandboxRun run, string container, CancellationToken cancellationToken)
    {
        if (!Directory.Exists(run.Paths.LogsFolder))
        {
            return;
        }

        try
        {
            var docker = FindDocker()!;
            var result = await run.Guard.GuardCommand(Cli.Wrap(docker).WithArguments(["logs", container]).WithValidation(CommandResultValidation.None), Caller)
                .ExecuteBufferedAsync(cancellationToken).ConfigureAwait(false);
            run.Guard.EnsureFileAllowed(run.Paths.VaultLog, Caller);
            await File.AppendAllTextAsync(run.Paths.VaultLog, result.StandardOutput + result.StandardError, cancellationToken).ConfigureAwait(false);
        }
        catch (IOException)
        {
            // The log is evidence, not a step: a failure to copy it never blocks a stop.
        }
    }

    private async Task<bool> ExistsAsync(SandboxRun run, string container, CancellationToken cancellationToken)
    {
        string[] args = ["inspect", "--type", "container", "--format", "{{.Id}}", container];
        if (run.Plan is { } plan)
        {
            // A plan is of a new sandbox: its containers do not exist yet.
            Record(run, plan, args);
            return false;
        }

        var result = await TryAsync(run.Guard, FindDocker()!, args, cancellationToken).ConfigureAwait(false);
        return result.Code == 0;
    }

    private async Task<bool> IsRunningAsync(SandboxRun run, string container, CancellationToken cancellationToken)
    {
        string[] args = ["inspect", "--type", "container", "--format", "{{.State.Running}}", container];
        if (run.Plan is { } plan)
        {
            Record(run, plan, args);
            return true;
        }

        if (FindDocker() is not { } docker)
        {
            return false;
        }

        var result = await TryAsync(run.Guard, docker, args, cancellationToken).ConfigureAwait(false);
        return result.Code == 0 && result.Output.Trim() == "true";
    }

    /// <summary>
    /// The kind of Vault an image holds: what its binary said before (the state file keeps it per image),
    /// else what it says now (<see cref="VaultImageProbe"/>; preflight asked it in this process, so a real
    /// <c>up</c> finds the answer remembered by image ID). A plan runs nothing, so it cannot ask: the question
    /// is among preflight's planned commands, and its preview of the mounts follows the official repository
    /// the reference names (openbao/openbao: /openbao/file; otherwise hashicorp/vault's /vault/file). That
    /// guess shapes only the plan's preview; it is never reported as the kind, and a real run asks the image.
    /// </summary>
    private async Task<VaultKind> KindOfAsync(SandboxRun run, string image, string? imageId, CancellationToken cancellationToken)
    {
        if (run.State.VaultSource == image && run.State.VaultFlavor().Kind is var saved and not VaultKind.Unknown)
        {
            return saved;
        }

        if (run.Plan is not null)
        {
            return image.Contains("openbao/", StringComparison.OrdinalIgnoreCase) ? VaultKind.OpenBao : VaultKind.Unknown;
        }

        var docker = FindDocker() ?? throw SandboxRuntimeException.LaunchFailed("docker", "the docker CLI is not on PATH; apt-get install -y docker.io");
        var answer = await VaultImageProbe.AskAsync((a, ct) => TryAsync(run.Guard, docker, a, ct), run.Guard, image, imageId, cancellationToken).ConfigureAwait(false);
        if (answer.Kind == VaultKind.Unknown)
        {
            var problem = NotAVault(image, answer);
            throw SandboxRuntimeException.LaunchFailed("Vault (docker)", $"{problem.Detail}; {problem.HowToGet}");
        }

        return answer.Kind;
    }

    /// <summary>What the image's binary says it is (<see cref="VaultImageProbe"/>): Unknown when it is absent or says something else.</summary>
    /// <param name="image">The image reference.</param>
    /// <param name="cancellationToken">Cancels the calls.</param>
    /// <returns>The kind and the version it reported.</returns>
    public async Task<(VaultKind Kind, string? Version)> AskVaultImageAsync(string image, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(image);
        if (FindDocker() is not { } docker)
        {
            return (VaultKind.Unknown, null);
        }

        var guard = _guard ?? new SandboxGuard(Denylist.BuiltIn, GuardAuditLog.InMemory());
        var answer = await VaultImageProbe.AskAsync((a, ct) => TryAsync(guard, docker, a, ct), guard, image, null, cancellationToken).ConfigureAwait(false);
        return (answer.Kind, answer.Version);
    }

    private static PreflightProblem NotAVault(string image, VaultImageProbe.Answer answer) => new(
        $"the image {image}",
        $"is not a Vault: 'docker {string.Join(' ', VaultImageProbe.Arguments(image))}' {(answer.Said.StartsWith("exited", StringComparison.Ordinal) || answer.Said.StartsWith("the image", StringComparison.Ordinal) ? answer.Said : $"printed '{answer.Said}'")}",
        $"name a HashiCorp Vault or OpenBao image with --vault-image or {VaultImageVariable} (default {RuntimeVersions.VaultImage}; on a machine without a registry: --vault-image {StandinVaultImage} after tests/standins/build-images.sh)");

    /// <summary>
    /// vault.hcl, readable by the container's user (the image's entrypoint drops to vault/openbao,
    /// uid 100): 0644 set explicitly, so that a 077 umask cannot make it unreadable. It holds no secret.
    /// </summary>
    private static async Task WriteVaultConfigAsync(SandboxRun run, VaultImageLayout layout, int port, int clusterPort, CancellationToken cancellationToken)
    {
        var p = port.ToString(CultureInfo.InvariantCulture);
        var c = clusterPort.ToString(CultureInfo.InvariantCulture);
        await run.WriteFileAsync(run.Paths.VaultConfig, $$"""
            # Written by Sandbox for sandbox '{{run.Paths.Name}}' (docker runtime). Loopback only, file storage on a named volume, not dev mode.
            storage "file" {
              path = "{{layout.StoragePath}}"
            }
            listener "tcp" {
              address         = "127.0.0.1:{{p}}"
              cluster_address = "127.0.0.1:{{c}}"
              tls_disable     = true
            }
            api_addr      = "http://127.0.0.1:{{p}}"
            cluster_addr  = "https://127.0.0.1:{{c}}"
            disable_mlock = true
            ui            = false

            """, cancellationToken: cancellationToken).ConfigureAwait(false);
        if (run.Plan is null && !OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(run.Paths.VaultConfig, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        }
    }

    /// <summary>
    /// A labelled named volume for the data path and for every other VOLUME the image declares
    /// (hashicorp/vault: /vault/logs; openbao: /openbao/logs), so that nothing of a sandbox lives in
    /// an anonymous volume that no label finds. Recorded in the state before anything is created.
    /// </summary>
    /// <summary>
    /// The image's ID and the VOLUMEs it declares (space-separated), in one <c>docker image inspect</c>.
    /// A plan records the call and gets <see cref="PlannedImageId"/> and no VOLUMEs (the caller previews the official image's).
    /// </summary>
    private async Task<(string Id, string Volumes)> InspectImageAsync(SandboxRun run, string image, CancellationToken cancellationToken)
    {
        string[] args = ["image", "inspect", "--format", "{{.Id}}|{{range $path, $_ := .Config.Volumes}}{{$path}} {{end}}", image];
        if (run.Plan is { } plan)
        {
            Record(run, plan, args);
            return (PlannedImageId, string.Empty);
        }

        var result = await TryAsync(run.Guard, FindDocker()!, args, cancellationToken).ConfigureAwait(false);
        if (result.Code != 0)
        {
            throw SandboxRuntimeException.LaunchFailed($"the image {image}", $"'docker image inspect' exit code {result.Code}: {FirstLine(result.Error)}");
        }

        var parts = result.Output.Trim().Split('|', 2);
        return (parts[0], parts.ElementAtOrDefault(1) ?? string.Empty);
    }

    private static List<(string Volume, string Path)> VolumesFor(SandboxRun run, string container, string dataPath, string declared)
    {
        var mounts = new List<(string Volume, string Path)> { (container + "-data", dataPath) };
        foreach (var path in declared.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Order(StringComparer.Ordinal))
        {
            if (path != dataPath && path != ConfigPath)
            {
                mounts.Add(($"{container}-{Slug(path)}", path));
            }
        }

        foreach (var (volume, _) in mounts.Where(m => !run.State.Volumes.Contains(m.Volume)))
        {
            run.State.Volumes.Add(volume);
        }

        return mounts;
    }

    private async Task CreateVolumesAsync(SandboxRun run, IEnumerable<(string Volume, string Path)> mounts, CancellationToken cancellationToken)
    {
        foreach (var (volume, _) in mounts)
        {
            await DockerAsync(run, ["volume", "create", .. Labels(run), volume], cancellationToken).ConfigureAwait(false);
        }
    }

    private static string Slug(string path) =>
        string.Join('-', path.Split('/', StringSplitOptions.RemoveEmptyEntries).Select(part => new string([.. part.Select(c => char.IsAsciiLetterOrDigit(c) ? char.ToLowerInvariant(c) : '-')])));

    /// <summary>
    /// Host networking must put the containers on this machine's 127.0.0.1: Docker Desktop runs
    /// them in a VM (its host networking reaches this machine only once switched on, Desktop 4.34+),
    /// and rootless Docker puts them in rootlesskit's network namespace.
    /// </summary>
    private static async Task<List<PreflightProblem>> HostNetworkProblemsAsync(VaultImageProbe.DockerCall docker, CancellationToken cancellationToken)
    {
        var info = await docker(["info", "--format", "{{.OperatingSystem}}|{{json .SecurityOptions}}"], cancellationToken).ConfigureAwait(false);
        var problems = new List<PreflightProblem>();
        if (info.Code != 0)
        {
            return problems;
        }

        var text = info.Output.Trim();
        if (text.Contains("Docker Desktop", StringComparison.OrdinalIgnoreCase)
            && !string.Equals(Environment.GetEnvironmentVariable(DesktopHostNetworkingVariable), "on", StringComparison.OrdinalIgnoreCase))
        {
            problems.Add(new PreflightProblem(
                "host networking that reaches this machine",
                "the daemon is Docker Desktop: containers run in its VM, and with --network host they bind the VM's 127.0.0.1, which this machine cannot reach unless Desktop's host networking is switched on",
                $"Docker Desktop 4.34 or later: Settings > Resources > Network > 'Enable host networking', restart Docker Desktop, then set {DesktopHostNetworkingVariable}=on; or use --runtime process"));
        }

        if (text.Contains("rootless", StringComparison.OrdinalIgnoreCase))
        {
            problems.Add(new PreflightProblem(
                "host networking that reaches this machine",
                "the daemon is rootless Docker: --network host is rootlesskit's network namespace, so 127.0.0.1 in a container is not this machine's 127.0.0.1",
                "use a rootful daemon (sudo systemctl start docker; DOCKER_HOST=unix:///var/run/docker.sock) or --runtime process"));
        }

        return problems;
    }

    /// <summary>Containers or volumes with this sandbox's names already exist: a crashed run's (or another sandbox's) leftovers.</summary>
    private static async Task<List<PreflightProblem>> LeftoverProblemsAsync(VaultImageProbe.DockerCall docker, string name, CancellationToken cancellationToken)
    {
        const string Owner = "\t{{.Label \"sandbox.name\"}}\t{{.Label \"sandbox.home\"}}\t{{.Label \"sandbox.session\"}}";
        var problems = new List<PreflightProblem>();
        var prefix = $"sandbox-{name}-";
        var volumes = await docker(["volume", "ls", "--filter", $"name={prefix}", "--format", "{{.Name}}" + Owner], cancellationToken).ConfigureAwait(false);
        var containers = await docker(["ps", "-a", "--filter", $"name={prefix}", "--format", "{{.Names}}" + Owner], cancellationToken).ConfigureAwait(false);
        foreach (var (kind, list) in new[] { ("volume", volumes), ("container", containers) })
        {
            foreach (var line in list.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                var parts = line.Split('\t');
                var found = parts[0];
                if (!found.StartsWith(prefix, StringComparison.Ordinal))
                {
                    continue; // the name filter matches substrings
                }

                var owner = parts.ElementAtOrDefault(1) is { Length: > 0 } owned
                    ? $"labelled for sandbox '{owned}' (sandbox.home={parts.ElementAtOrDefault(2)}, sandbox.session={parts.ElementAtOrDefault(3)})"
                    : "without sandbox labels";
                var remove = kind == "volume" ? $"docker volume rm {found}" : $"docker rm -f -v {found}";
                problems.Add(new PreflightProblem(
                    $"no {kind} named {found}",
                    $"the {kind} {found} already exists, {owner}: a crashed run left it, or something else uses the name; nothing was started and it was not touched",
                    $"if it is a leftover of a sandbox of this home, 'sandbox sweep' removes it; otherwise check it, then '{remove}', or choose another --name"));
            }
        }

        return problems;
    }

    private async Task WaitForPostgresAsync(SandboxRun run, PostgresEndpoint endpoint, string container, CancellationToken cancellationToken)
    {
        var deadline = run.Time.GetUtcNow() + TimeSpan.FromSeconds(60);
        Exception? last = null;
        while (run.Time.GetUtcNow() < deadline)
        {
            try
            {
                var source = run.Guard.CreateNpgsqlDataSource(endpoint.ConnectionString(), Caller);
                await using (source.ConfigureAwait(false))
                {
                    var connection = await source.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
                    await connection.DisposeAsync().ConfigureAwait(false);
                    return;
                }
            }
            catch (Exception e) when (e is Npgsql.NpgsqlException or System.Net.Sockets.SocketException or TimeoutException)
            {
                last = e;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(100), run.Time, cancellationToken).ConfigureAwait(false);
        }

        var waited = SandboxRuntimeException.LaunchFailed("PostgreSQL (docker)", $"no login on {endpoint.Host}:{endpoint.Port} within 60 s: {last?.Message}");
        if (await IsRunningAsync(run, container, CancellationToken.None).ConfigureAwait(false))
        {
            throw SandboxRuntimeException.ContainerRefuses(container, $"{endpoint.Host}:{endpoint.Port}", "PostgreSQL", waited);
        }

        throw SandboxRuntimeException.LaunchFailed("PostgreSQL (docker)", $"no login on {endpoint.Host}:{endpoint.Port} within 60 s and the container {container} is not running: {last?.Message}; see 'docker logs {container}'");
    }

    private async Task DockerIgnoringMissingAsync(SandboxRun run, string[] args, CancellationToken cancellationToken)
    {
        var result = await TryAsync(run.Guard, FindDocker() ?? "docker", args, cancellationToken).ConfigureAwait(false);
        if (result.Code != 0 && !result.Error.Contains("No such", StringComparison.OrdinalIgnoreCase) && !result.Error.Contains("not found", StringComparison.OrdinalIgnoreCase))
        {
            throw SandboxRuntimeException.LaunchFailed($"'docker {string.Join(' ', args.Take(2))}'", $"exit code {result.Code}: {FirstLine(result.Error)}");
        }
    }

    private async Task<string> DockerAsync(SandboxRun run, string[] args, CancellationToken cancellationToken)
    {
        if (run.Plan is { } plan)
        {
            Record(run, plan, args);
            return string.Empty;
        }

        var docker = FindDocker() ?? throw SandboxRuntimeException.LaunchFailed("docker", "the docker CLI is not on PATH; apt-get install -y docker.io");
        var result = await TryAsync(run.Guard, docker, args, cancellationToken).ConfigureAwait(false);
        if (result.Code != 0)
        {
            throw SandboxRuntimeException.LaunchFailed($"'docker {string.Join(' ', args.Take(2))}'", $"exit code {result.Code}: {FirstLine(result.Error)}");
        }

        return result.Output;
    }

    /// <summary>Planning: the guard judges the command exactly as it would before a real run; it is recorded, and nothing runs.</summary>
    private void Record(SandboxRun run, Plan.SandboxPlan plan, string[] args)
    {
        run.Guard.GuardCommand(Cli.Wrap(FindDocker() ?? "docker").WithArguments(args), Caller);
        plan.AddCommand("docker", args);
    }

    private static async Task<(int Code, string Output, string Error)> TryAsync(SandboxGuard guard, string docker, string[] args, CancellationToken cancellationToken)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(TimeSpan.FromSeconds(120));
        try
        {
            var command = guard.GuardCommand(Cli.Wrap(docker).WithArguments(args).WithValidation(CommandResultValidation.None), Caller);
            var result = await command.ExecuteBufferedAsync(cts.Token).ConfigureAwait(false);
            return (result.ExitCode, result.StandardOutput, result.StandardError);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return (-1, string.Empty, "no answer within 120 s");
        }
    }

    private string? FindDocker() => VaultBinaryLocator.FindOnPath("docker", _toolDirectory);

    private static string FirstLine(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault() ?? "(no output)";
}
