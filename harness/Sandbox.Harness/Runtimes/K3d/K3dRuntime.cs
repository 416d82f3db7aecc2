using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using CliWrap;
using CliWrap.Buffered;
using Sandbox.Harness.Guard;
using Sandbox.Harness.Runtimes.Internal;
using Sandbox.Harness.Runtimes.Process;

namespace Sandbox.Harness.Runtimes.K3d;

/// <summary>
/// The k3d runtime: a k3d (k3s in Docker) cluster per sandbox from <c>k3d/cluster.yaml</c> (API and
/// Vault/PostgreSQL NodePorts bound to 127.0.0.1), the default kubeconfig never updated and the
/// context never switched, a private kubeconfig in the run folder used by every kubectl/helm call
/// (<c>--kubeconfig</c> and <c>KUBECONFIG</c>, scrubbed environment), Vault from the
/// <c>hashicorp/vault</c> Helm chart as release <c>hashicorp-vault</c> in namespace <c>tools</c>
/// (file storage on a PVC), PostgreSQL from <c>k3d/postgres.yaml</c>, and the Vault Secrets
/// Operator chart. Helm's config, cache and data live in the run folder too.
/// </summary>
public sealed class K3dRuntime : ISandboxRuntime
{
    private const string Caller = "sandbox-k3d-runtime";
    private static readonly string[] Tools = ["k3d", "kubectl", "helm", "docker"];

    private readonly string? _toolDirectory;
    private readonly string? _assetsDirectory;
    private readonly SandboxGuard? _guard;

    /// <summary>Creates the runtime.</summary>
    /// <param name="toolDirectory">Where k3d, kubectl, helm and docker are; PATH when null.</param>
    /// <param name="assetsDirectory">The <c>k3d/</c> folder (cluster.yaml, values/, postgres.yaml); found in the checkout when null.</param>
    /// <param name="imagesDirectory">Image tarballs to <c>k3d image import</c> (air-gapped machines), or null.</param>
    /// <param name="guard">The guard for preflight's child processes (runs use the sandbox's guard); a built-in one when null.</param>
    public K3dRuntime(string? toolDirectory = null, string? assetsDirectory = null, string? imagesDirectory = null, SandboxGuard? guard = null)
    {
        _guard = guard;
        _toolDirectory = toolDirectory;
        _assetsDirectory = assetsDirectory;
        ImagesDirectory = imagesDirectory;
    }

    /// <inheritdoc />
    public RuntimeKind Kind => RuntimeKind.K3d;

    /// <summary>Image tarballs to import into the cluster, or null.</summary>
    public string? ImagesDirectory { get; }

    /// <summary>Test hook: where host ports come from (default: free loopback ports).</summary>
    internal Func<int> PortSource { get; init; } = LoopbackPorts.Free;

    /// <summary>How long a <c>kubectl rollout status</c> may wait. The default value is 240 seconds.</summary>
    public TimeSpan RolloutTimeout { get; init; } = TimeSpan.FromSeconds(240);

    /// <inheritdoc />
    public async Task<RuntimePreflight> PreflightAsync(SandboxOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var found = new List<string>();
        var problems = new List<PreflightProblem>();
        foreach (var tool in Tools)
        {
            var path = FindTool(tool);
            if (path is null)
            {
                problems.Add(new PreflightProblem(tool, $"not found {(_toolDirectory is null ? "on PATH" : "in " + _toolDirectory)}", HowToGet(tool)));
            }
            else
            {
                found.Add($"{tool}: {path}");
            }
        }

        var assets = AssetsDirectory();
        if (assets is null)
        {
            problems.Add(new PreflightProblem("the k3d/ folder (cluster.yaml, values/vault.yaml, postgres.yaml)", "no checkout (Sandbox.sln) above the application folder", "run Sandbox from its checkout"));
        }

        if (FindTool("docker") is { } docker)
        {
            var (code, output, error) = await TryRunAsync(docker, ["version", "--format", "{{.Server.APIVersion}}"], TimeSpan.FromSeconds(10), cancellationToken).ConfigureAwait(false);
            if (code == 0 && output.Trim().Length > 0)
            {
                found.Add($"Docker daemon: API {output.Trim()}");
            }
            else
            {
                problems.Add(new PreflightProblem("a running Docker daemon", $"'docker version' failed: {FirstLine(error)}", "start it (scripts/start-docker.sh, or 'systemctl start docker')"));
            }
        }

        found.Add($"Vault image: {options.VaultImage ?? RuntimeVersions.VaultImage} via chart {RuntimeVersions.VaultChart} {RuntimeVersions.VaultChartVersion}");
        return new RuntimePreflight(RuntimeKind.K3d, found, problems);
    }

    /// <inheritdoc />
    public async Task<PostgresEndpoint> StartPostgresAsync(SandboxRun run, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(run);
        if (run.State.ClusterName is null)
        {
            await CreateClusterAsync(run, cancellationToken).ConfigureAwait(false);
            var password = RandomNumberGenerator.GetString("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", 32);
            await ProcessRuntime.WriteSecretFileAsync(run.Paths.PostgresPasswordFile, password, cancellationToken).ConfigureAwait(false);

            // The password goes through stdin, never on a command line.
            var secret = $"apiVersion: v1\nkind: Secret\nmetadata:\n  name: postgres-superuser\n  namespace: {RuntimeVersions.ToolsNamespace}\ntype: Opaque\nstringData:\n  password: \"{password}\"\n";
            await KubectlAsync(run, ["create", "namespace", RuntimeVersions.ToolsNamespace], cancellationToken).ConfigureAwait(false);
            await KubectlAsync(run, ["apply", "-f", "-"], cancellationToken, stdin: secret).ConfigureAwait(false);
            await KubectlAsync(run, ["apply", "-f", Path.Combine(RequireAssets(), "postgres.yaml")], cancellationToken).ConfigureAwait(false);
        }
        else
        {
            await KubectlAsync(run, ["-n", RuntimeVersions.ToolsNamespace, "scale", "statefulset/postgres", "--replicas=1"], cancellationToken).ConfigureAwait(false);
        }

        await KubectlAsync(run, ["-n", RuntimeVersions.ToolsNamespace, "rollout", "status", "statefulset/postgres", $"--timeout={(int)RolloutTimeout.TotalSeconds}s"], cancellationToken).ConfigureAwait(false);
        var pw = (await File.ReadAllTextAsync(run.Paths.PostgresPasswordFile, cancellationToken).ConfigureAwait(false)).Trim();
        run.State.PostgresHost = "127.0.0.1";
        run.State.PostgresSuperuser = "postgres";
        await run.SaveStateAsync(cancellationToken).ConfigureAwait(false);
        return new PostgresEndpoint("127.0.0.1", run.State.PostgresPort!.Value, "postgres", pw);
    }

    /// <inheritdoc />
    public Task StopPostgresAsync(SandboxRun run, CancellationToken cancellationToken = default) =>
        KubectlAsync(run, ["-n", RuntimeVersions.ToolsNamespace, "scale", "statefulset/postgres", "--replicas=0"], cancellationToken);

    /// <inheritdoc />
    public async Task<bool> IsPostgresRunningAsync(SandboxRun run, CancellationToken cancellationToken = default) =>
        await PodPhaseAsync(run, "postgres-0", cancellationToken).ConfigureAwait(false) == "Running";

    /// <inheritdoc />
    public async Task<VaultFlavor> StartVaultAsync(SandboxRun run, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(run);
        var image = run.Options.VaultImage ?? (run.State.VaultSource.Length > 0 ? run.State.VaultSource : RuntimeVersions.VaultImage);
        var kind = image.Contains("openbao", StringComparison.OrdinalIgnoreCase) ? VaultKind.OpenBao
            : image.Contains("vault-double", StringComparison.OrdinalIgnoreCase) ? VaultKind.Double : VaultKind.Vault;
        run.State.VaultKind = VaultFlavor.KindNameOf(kind);
        run.State.VaultSource = image;
        if (run.State.Address is null)
        {
            var (repository, tag) = RuntimeVersions.SplitImage(image);
            await HelmAsync(run, ["repo", "add", "hashicorp", RuntimeVersions.HashiCorpHelmRepository, "--force-update"], cancellationToken).ConfigureAwait(false);
            await HelmAsync(run, ["upgrade", "--install", RuntimeVersions.VaultRelease, RuntimeVersions.VaultChart, "--version", RuntimeVersions.VaultChartVersion,
                "--namespace", RuntimeVersions.ToolsNamespace, "--create-namespace",
                "--values", Path.Combine(RequireAssets(), "values", "vault.yaml"),
                "--set", $"server.image.repository={repository}", "--set", $"server.image.tag={tag}"], cancellationToken).ConfigureAwait(false);
            await HelmAsync(run, ["upgrade", "--install", "vault-secrets-operator", RuntimeVersions.VaultSecretsOperatorChart, "--version", RuntimeVersions.VaultSecretsOperatorChartVersion,
                "--namespace", "vault-secrets-operator-system", "--create-namespace"], cancellationToken).ConfigureAwait(false);
            run.State.Address = $"http://127.0.0.1:{run.State.VaultPort!.Value.ToString(CultureInfo.InvariantCulture)}";
            await run.SaveStateAsync(cancellationToken).ConfigureAwait(false);
        }
        else
        {
            await KubectlAsync(run, ["-n", RuntimeVersions.ToolsNamespace, "scale", $"statefulset/{RuntimeVersions.VaultRelease}", "--replicas=1"], cancellationToken).ConfigureAwait(false);
        }

        var what = new VaultFlavor(kind, run.State.VaultVersion, image).Describe();
        var status = await VaultReadiness.WaitAsync(
            run,
            new Uri(run.State.Address),
            what,
            ct => IsVaultRunningAsync(run, ct),
            () => "  (see: kubectl --kubeconfig " + run.Paths.Kubeconfig + " -n tools logs " + RuntimeVersions.VaultRelease + "-0)",
            cancellationToken).ConfigureAwait(false);
        run.State.VaultVersion = string.IsNullOrWhiteSpace(status.Version) ? "unknown" : status.Version;
        await run.SaveStateAsync(cancellationToken).ConfigureAwait(false);
        return run.State.VaultFlavor();
    }

    /// <inheritdoc />
    public async Task StopVaultAsync(SandboxRun run, bool kill, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(run);
        if (run.State.ClusterName is null)
        {
            return;
        }

        await KubectlAsync(run, ["-n", RuntimeVersions.ToolsNamespace, "scale", $"statefulset/{RuntimeVersions.VaultRelease}", "--replicas=0"], cancellationToken).ConfigureAwait(false);
        string[] delete = kill
            ? ["-n", RuntimeVersions.ToolsNamespace, "delete", "pod", RuntimeVersions.VaultRelease + "-0", "--grace-period=0", "--force", "--ignore-not-found"]
            : ["-n", RuntimeVersions.ToolsNamespace, "delete", "pod", RuntimeVersions.VaultRelease + "-0", "--ignore-not-found", "--wait=true"];
        await KubectlAsync(run, delete, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<bool> IsVaultRunningAsync(SandboxRun run, CancellationToken cancellationToken = default) =>
        await PodPhaseAsync(run, RuntimeVersions.VaultRelease + "-0", cancellationToken).ConfigureAwait(false) == "Running";

    /// <inheritdoc />
    public Task WipeVaultStorageAsync(SandboxRun run, CancellationToken cancellationToken = default) =>
        KubectlAsync(run, ["-n", RuntimeVersions.ToolsNamespace, "delete", "pvc", $"data-{RuntimeVersions.VaultRelease}-0", "--ignore-not-found", "--wait=true"], cancellationToken);

    /// <inheritdoc />
    public async Task CopyVaultStorageAsync(SandboxRun run, string destination, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentException.ThrowIfNullOrEmpty(destination);
        // The chart's file storage (k3d/values/vault.yaml: path = "/vault/data"), copied out of the pod (kubectl cp uses tar in the image).
        Directory.CreateDirectory(destination);
        await KubectlAsync(run, ["-n", RuntimeVersions.ToolsNamespace, "cp", "-c", "vault", $"{RuntimeVersions.VaultRelease}-0:/vault/data", destination], cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task DestroyAsync(SandboxRun run, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(run);
        if (run.State.ClusterName is { } cluster)
        {
            await RunAsync(run, "k3d", ["cluster", "delete", cluster], cancellationToken).ConfigureAwait(false);
            run.State.ClusterName = null;
            if (Directory.Exists(run.Paths.RunFolder))
            {
                await run.SaveStateAsync(cancellationToken).ConfigureAwait(false);
            }
        }

        if (File.Exists(run.Paths.Kubeconfig))
        {
            File.Delete(run.Paths.Kubeconfig);
        }
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private async Task CreateClusterAsync(SandboxRun run, CancellationToken cancellationToken)
    {
        var apiPort = PortSource();
        run.State.VaultPort = PortSource();
        run.State.PostgresPort = PortSource();
        var template = await File.ReadAllTextAsync(Path.Combine(RequireAssets(), "cluster.yaml"), cancellationToken).ConfigureAwait(false);
        var config = template
            .Replace("${SANDBOX_NAME}", run.Paths.Name, StringComparison.Ordinal)
            .Replace("${SANDBOX_SESSION}", run.State.SessionId, StringComparison.Ordinal)
            .Replace("${SANDBOX_HOME_ID}", run.Paths.HomeId, StringComparison.Ordinal)
            .Replace("${API_PORT}", apiPort.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal)
            .Replace("${VAULT_PORT}", run.State.VaultPort.Value.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal)
            .Replace("${POSTGRES_PORT}", run.State.PostgresPort.Value.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal);
        var configFile = Path.Combine(run.Paths.RunFolder, "k3d-cluster.yaml");
        await File.WriteAllTextAsync(configFile, config, cancellationToken).ConfigureAwait(false);

        // Recorded before the create, so that down/sweep delete a half-made cluster too.
        run.State.ClusterName = run.Paths.Name;
        await run.SaveStateAsync(cancellationToken).ConfigureAwait(false);
        await RunAsync(run, "k3d", ["cluster", "create", "--config", configFile, "--kubeconfig-update-default=false", "--kubeconfig-switch-context=false"], cancellationToken).ConfigureAwait(false);

        var kubeconfig = await RunAsync(run, "k3d", ["kubeconfig", "get", run.Paths.Name], cancellationToken).ConfigureAwait(false);
        await ProcessRuntime.WriteSecretFileAsync(run.Paths.Kubeconfig, kubeconfig, cancellationToken).ConfigureAwait(false);

        if ((ImagesDirectory ?? run.Options.ImagesDirectory) is { } images)
        {
            var tarballs = Directory.EnumerateFiles(images, "*.tar").Order(StringComparer.Ordinal).ToList();
            if (tarballs.Count > 0)
            {
                await RunAsync(run, "k3d", ["image", "import", .. tarballs, "--cluster", run.Paths.Name], cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private async Task<string?> PodPhaseAsync(SandboxRun run, string pod, CancellationToken cancellationToken)
    {
        if (run.State.ClusterName is null || !File.Exists(run.Paths.Kubeconfig))
        {
            return null;
        }

        try
        {
            var output = await KubectlAsync(run, ["-n", RuntimeVersions.ToolsNamespace, "get", "pod", pod, "--ignore-not-found", "-o", "jsonpath={.status.phase}"], cancellationToken).ConfigureAwait(false);
            return output.Trim();
        }
        catch (SandboxRuntimeException)
        {
            return null;
        }
    }

    private Task<string> KubectlAsync(SandboxRun run, string[] args, CancellationToken cancellationToken, string? stdin = null) =>
        RunAsync(run, "kubectl", ["--kubeconfig", run.Paths.Kubeconfig, .. args], cancellationToken, stdin);

    private Task<string> HelmAsync(SandboxRun run, string[] args, CancellationToken cancellationToken) =>
        RunAsync(run, "helm", ["--kubeconfig", run.Paths.Kubeconfig, .. args], cancellationToken);

    private async Task<string> RunAsync(SandboxRun run, string tool, string[] args, CancellationToken cancellationToken, string? stdin = null)
    {
        var path = FindTool(tool) ?? throw SandboxRuntimeException.LaunchFailed(tool, $"not found {(_toolDirectory is null ? "on PATH" : "in " + _toolDirectory)}; {HowToGet(tool)}");
        var helmHome = Path.Combine(run.Paths.RunFolder, "helm");
        var command = Cli.Wrap(path)
            .WithArguments(args)
            .WithWorkingDirectory(run.Paths.RunFolder)
            .WithValidation(CommandResultValidation.None)
            .WithEnvironmentVariables(e => e
                .Set("HELM_CONFIG_HOME", Path.Combine(helmHome, "config"))
                .Set("HELM_CACHE_HOME", Path.Combine(helmHome, "cache"))
                .Set("HELM_DATA_HOME", Path.Combine(helmHome, "data")));
        if (stdin is not null)
        {
            command = command.WithStandardInputPipe(PipeSource.FromString(stdin, Encoding.UTF8));
        }

        var guarded = run.Guard.GuardCommand(command, Caller, run.Paths.Kubeconfig);
        var result = await guarded.ExecuteBufferedAsync(cancellationToken).ConfigureAwait(false);
        if (result.ExitCode != 0)
        {
            throw SandboxRuntimeException.LaunchFailed($"'{tool} {string.Join(' ', args.Take(3))}'", $"exit code {result.ExitCode}: {FirstLine(result.StandardError)}");
        }

        return result.StandardOutput;
    }

    private async Task<(int Code, string Output, string Error)> TryRunAsync(string path, string[] args, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(timeout);
        try
        {
            var guard = _guard ?? new SandboxGuard(Denylist.BuiltIn, GuardAuditLog.InMemory());
            var command = guard.GuardCommand(Cli.Wrap(path).WithArguments(args).WithValidation(CommandResultValidation.None), Caller);
            var result = await command.ExecuteBufferedAsync(cts.Token).ConfigureAwait(false);
            return (result.ExitCode, result.StandardOutput, result.StandardError);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return (-1, string.Empty, $"no answer within {timeout.TotalSeconds:0} s");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return (-1, string.Empty, e.Message);
        }
    }

    private string? FindTool(string name) =>
        _toolDirectory is null ? VaultBinaryLocator.FindOnPath(name) : VaultBinaryLocator.FindOnPath(name, _toolDirectory);

    private string? AssetsDirectory()
    {
        if (_assetsDirectory is not null)
        {
            return Directory.Exists(_assetsDirectory) ? _assetsDirectory : null;
        }

        var root = SandboxCheckout.FindRoot(AppContext.BaseDirectory);
        var k3d = root is null ? null : Path.Combine(root, "k3d");
        return k3d is not null && Directory.Exists(k3d) ? k3d : null;
    }

    private string RequireAssets() => AssetsDirectory() ?? throw SandboxRuntimeException.LaunchFailed("the k3d runtime", "the k3d/ folder (cluster.yaml, values/, postgres.yaml) was not found; run Sandbox from its checkout");

    private static string FirstLine(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault() ?? "(no output)";

    private static string HowToGet(string tool) => tool switch
    {
        "k3d" => "curl -s https://raw.githubusercontent.com/k3d-io/k3d/main/install.sh | bash (https://k3d.io)",
        "kubectl" => "https://kubernetes.io/docs/tasks/tools/ (or apt-get install -y kubectl from the Kubernetes apt repository)",
        "helm" => "https://helm.sh/docs/intro/install/",
        "docker" => "apt-get install -y docker.io, then scripts/start-docker.sh",
        _ => "install it",
    };
}
