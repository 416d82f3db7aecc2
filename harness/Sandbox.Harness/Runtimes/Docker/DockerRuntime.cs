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
public sealed class DockerRuntime : ISandboxRuntime
{
    private const string Caller = "sandbox-docker-runtime";
    private readonly string? _toolDirectory;
    private readonly SandboxGuard? _guard;

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
        var version = await TryAsync(guard, docker, ["version", "--format", "{{.Server.APIVersion}}"], cancellationToken).ConfigureAwait(false);
        if (version.Code != 0 || version.Output.Trim().Length == 0)
        {
            problems.Add(new PreflightProblem("a running Docker daemon", $"'docker version' failed: {FirstLine(version.Error)}", "start it: scripts/start-docker.sh (or 'systemctl start docker')"));
            return new RuntimePreflight(RuntimeKind.Docker, found, problems);
        }

        found.Add($"Docker daemon: API {version.Output.Trim()}");
        foreach (var image in new[] { options.VaultImage ?? RuntimeVersions.VaultImage, PostgresImageFor(options) })
        {
            var inspect = await TryAsync(guard, docker, ["image", "inspect", "--format", "{{.Id}}", image], cancellationToken).ConfigureAwait(false);
            if (inspect.Code == 0)
            {
                found.Add($"image {image}");
            }
            else
            {
                problems.Add(new PreflightProblem(
                    $"the image {image}",
                    "not present locally (no registry is assumed reachable, so nothing was started)",
                    $"'docker pull {image}' where a registry is reachable, or 'docker save {image} -o image.tar' there and 'docker load -i image.tar' here; on this build machine, stand-ins: tests/standins/build-images.sh, then --vault-image sandbox-standin/vault-double:0.1.0 and SANDBOX_POSTGRES_IMAGE=sandbox-standin/postgres:15"));
            }
        }

        return new RuntimePreflight(RuntimeKind.Docker, found, problems);
    }

    /// <inheritdoc />
    public async Task<PostgresEndpoint> StartPostgresAsync(SandboxRun run, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(run);
        var container = ContainerName(run, "postgres");
        if (!run.State.ContainerIds.Contains(container))
        {
            var port = PortSource();
            var password = run.NewSecret();
            if (run.Plan is null)
            {
                await ProcessRuntime.WriteSecretFileAsync(run.Paths.PostgresPasswordFile, password, cancellationToken).ConfigureAwait(false);
            }

            // The password reaches the container through an env file (0600), never a command line.
            var envFile = Path.Combine(run.Paths.RunFolder, "postgres.env");
            var p = port.ToString(CultureInfo.InvariantCulture);
            await run.WriteFileAsync(envFile, $"POSTGRES_USER=postgres\nPOSTGRES_PASSWORD={password}\nPGPORT={p}\nPOSTGRES_LISTEN=127.0.0.1\n", secret: true, cancellationToken).ConfigureAwait(false);
            var volume = container + "-data";
            run.State.Volumes.Add(volume);
            run.State.ContainerIds.Add(container);
            run.State.PostgresPort = port;
            await run.SaveStateAsync(cancellationToken).ConfigureAwait(false);

            await DockerAsync(run, ["volume", "create", .. Labels(run), volume], cancellationToken).ConfigureAwait(false);
            var image = PostgresImageFor(run.Options);
            string[] args = ["run", "-d", "--name", container, "--network", "host", .. Labels(run), "--env-file", envFile, "-v", $"{volume}:/var/lib/postgresql/data", image];
            if (!image.Contains("standin", StringComparison.Ordinal))
            {
                args = [.. args, "-c", "listen_addresses=127.0.0.1", "-c", $"port={p}"];
            }

            await DockerAsync(run, args, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            await DockerAsync(run, ["start", container], cancellationToken).ConfigureAwait(false);
        }

        var password2 = run.Plan is null ? (await File.ReadAllTextAsync(run.Paths.PostgresPasswordFile, cancellationToken).ConfigureAwait(false)).Trim() : run.NewSecret();
        var endpoint = new PostgresEndpoint("127.0.0.1", run.State.PostgresPort!.Value, "postgres", password2);
        if (run.Plan is null)
        {
            await WaitForPostgresAsync(run, endpoint, cancellationToken).ConfigureAwait(false);
        }

        run.State.PostgresHost = endpoint.Host;
        run.State.PostgresSuperuser = endpoint.SuperuserName;
        await run.SaveStateAsync(cancellationToken).ConfigureAwait(false);
        return endpoint;
    }

    /// <inheritdoc />
    public Task StopPostgresAsync(SandboxRun run, CancellationToken cancellationToken = default) =>
        DockerAsync(run, ["stop", "-t", "10", ContainerName(run, "postgres")], cancellationToken);

    /// <inheritdoc />
    public Task<bool> IsPostgresRunningAsync(SandboxRun run, CancellationToken cancellationToken = default) =>
        IsRunningAsync(run, ContainerName(run, "postgres"), cancellationToken);

    /// <inheritdoc />
    public async Task<VaultFlavor> StartVaultAsync(SandboxRun run, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(run);
        var image = run.State.VaultSource.Length > 0 ? run.State.VaultSource : run.Options.VaultImage ?? RuntimeVersions.VaultImage;
        var kind = image.Contains("openbao", StringComparison.OrdinalIgnoreCase) ? VaultKind.OpenBao
            : image.Contains("vault-double", StringComparison.OrdinalIgnoreCase) ? VaultKind.Double : VaultKind.Vault;
        run.State.VaultKind = VaultFlavor.KindNameOf(kind);
        run.State.VaultSource = image;
        var container = ContainerName(run, "vault");
        var volume = container + "-data";
        if (!await ExistsAsync(run, container, cancellationToken).ConfigureAwait(false))
        {
            var port = run.State.VaultPort ?? PortSource();
            var p = port.ToString(CultureInfo.InvariantCulture);
            await run.WriteFileAsync(run.Paths.VaultConfig, $$"""
                # Written by Sandbox for sandbox '{{run.Paths.Name}}' (docker runtime). Loopback only, file storage on a named volume, not dev mode.
                storage "file" {
                  path = "/vault/file"
                }
                listener "tcp" {
                  address     = "127.0.0.1:{{p}}"
                  tls_disable = true
                }
                api_addr      = "http://127.0.0.1:{{p}}"
                disable_mlock = true
                ui            = false

                """, cancellationToken: cancellationToken).ConfigureAwait(false);
            if (!run.State.Volumes.Contains(volume))
            {
                run.State.Volumes.Add(volume);
            }

            if (!run.State.ContainerIds.Contains(container))
            {
                run.State.ContainerIds.Add(container);
            }

            run.State.VaultPort = port;
            run.State.Address = $"http://127.0.0.1:{p}";
            await run.SaveStateAsync(cancellationToken).ConfigureAwait(false);
            await DockerAsync(run, ["volume", "create", .. Labels(run), volume], cancellationToken).ConfigureAwait(false);

            // The config sits outside /vault/config so that the official entrypoint's own -config=/vault/config adds nothing twice.
            await DockerAsync(run, ["run", "-d", "--name", container, "--network", "host", "--cap-add", "IPC_LOCK", .. Labels(run),
                "-v", $"{run.Paths.VaultConfig}:/sandbox/vault.hcl:ro", "-v", $"{volume}:/vault/file", image, "server", "-config=/sandbox/vault.hcl"], cancellationToken).ConfigureAwait(false);
        }
        else
        {
            await DockerAsync(run, ["start", container], cancellationToken).ConfigureAwait(false);
        }

        var what = new VaultFlavor(kind, run.State.VaultVersion, image).Describe();
        var status = await VaultReadiness.WaitAsync(
            run,
            new Uri(run.State.Address!),
            what,
            ct => IsVaultRunningAsync(run, ct),
            () => $"  (see: docker logs {container})",
            cancellationToken).ConfigureAwait(false);
        run.State.VaultVersion = string.IsNullOrWhiteSpace(status.Version) ? "unknown" : status.Version;
        await run.SaveStateAsync(cancellationToken).ConfigureAwait(false);
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
        await DockerIgnoringMissingAsync(run, ["rm", "-f", container], cancellationToken).ConfigureAwait(false);
        await DockerIgnoringMissingAsync(run, ["volume", "rm", "-f", container + "-data"], cancellationToken).ConfigureAwait(false);
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

    /// <inheritdoc />
    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    /// <summary>The PostgreSQL image: the option, else <c>SANDBOX_POSTGRES_IMAGE</c>, else <see cref="RuntimeVersions.PostgresImage"/>.</summary>
    /// <param name="options">The options of <c>up</c>.</param>
    public static string PostgresImageFor(SandboxOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var env = Environment.GetEnvironmentVariable("SANDBOX_POSTGRES_IMAGE");
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
            await File.AppendAllTextAsync(run.Paths.VaultLog, result.StandardOutput + result.StandardError, cancellationToken).ConfigureAwait(false);
        }
        catch (IOException)
        {
            // The log is evidence, not a step: a failure to copy it never blocks a stop.
        }
    }

    private async Task<bool> ExistsAsync(SandboxRun run, string container, CancellationToken cancellationToken)
    {
        if (run.Plan is not null)
        {
            return false;
        }

        var result = await TryAsync(run.Guard, FindDocker()!, ["inspect", "--format", "{{.Id}}", container], cancellationToken).ConfigureAwait(false);
        return result.Code == 0;
    }

    private async Task<bool> IsRunningAsync(SandboxRun run, string container, CancellationToken cancellationToken)
    {
        if (FindDocker() is not { } docker)
        {
            return false;
        }

        var result = await TryAsync(run.Guard, docker, ["inspect", "--format", "{{.State.Running}}", container], cancellationToken).ConfigureAwait(false);
        return result.Code == 0 && result.Output.Trim() == "true";
    }

    private static async Task WaitForPostgresAsync(SandboxRun run, PostgresEndpoint endpoint, CancellationToken cancellationToken)
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

            await Task.Delay(TimeSpan.FromMilliseconds(250), run.Time, cancellationToken).ConfigureAwait(false);
        }

        throw SandboxRuntimeException.LaunchFailed("PostgreSQL (docker)", $"no login on {endpoint.Host}:{endpoint.Port} within 60 s: {last?.Message}; see 'docker logs sandbox-{run.Paths.Name}-postgres'");
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
            // Planning: the guard judges the command exactly as it would before a real run; nothing runs.
            run.Guard.GuardCommand(Cli.Wrap(FindDocker() ?? "docker").WithArguments(args), Caller);
            plan.AddCommand("docker", args);
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
