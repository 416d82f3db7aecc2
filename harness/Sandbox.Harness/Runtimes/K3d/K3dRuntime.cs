using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using CliWrap;
using CliWrap.Buffered;
using Sandbox.Harness.Guard;
using Sandbox.Harness.Runtimes.Internal;
using Sandbox.Harness.Runtimes.K3d.Internal;
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
internal sealed class K3dRuntime : ISandboxRuntime
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
    public Task<RuntimePreflight> PreflightAsync(SandboxOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        return PreflightWithAsync(FindTool, (_, path, args, ct) => TryRunAsync(path, args, TimeSpan.FromSeconds(10), ct), options, cancellationToken);
    }

    /// <inheritdoc />
    /// <remarks>
    /// Records the calls of <see cref="PreflightAsync"/>, in its order, through its own code, as a first
    /// <c>up</c> on a machine with every tool makes them: the Docker daemon's API version, then k3d's
    /// version. Nothing runs; each call is judged by the guard and gets the answer of such a machine
    /// (the daemon's API, the pinned k3d), so the plan goes on as the real run would.
    /// </remarks>
    public async Task PlanPreflightAsync(SandboxRun run, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(run);
        var plan = run.Plan ?? throw new InvalidOperationException("PlanPreflightAsync plans; this run is not a plan.");
        _ = await PreflightWithAsync(
            tool => FindTool(tool) ?? tool,
            (tool, path, args, _) =>
            {
                run.Guard.GuardCommand(Cli.Wrap(path).WithArguments(args), Caller);
                plan.AddCommand(tool, args);
                (int, string, string) answer = tool switch
                {
                    "docker" => (0, Docker.DockerRuntime.MinimumApiVersion, string.Empty),
                    "k3d" => (0, $"k3d version v{RuntimeVersions.K3dVersion}\n", string.Empty),
                    _ => (0, string.Empty, string.Empty),
                };
                return Task.FromResult(answer);
            },
            run.Options,
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Preflight's checks: each tool located through <paramref name="locate"/>, each call made through <paramref name="call"/> (the tool, its located path, the arguments).</summary>
    private async Task<RuntimePreflight> PreflightWithAsync(
        Func<string, string?> locate,
        Func<string, string, string[], CancellationToken, Task<(int Code, string Output, string Error)>> call,
        SandboxOptions options,
        CancellationToken cancellationToken)
    {
        var found = new List<string>();
        var problems = new List<PreflightProblem>();
        foreach (var tool in Tools)
        {
            var path = locate(tool);
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

        if (locate("docker") is { } docker)
        {
            var (code, output, error) = await call("docker", docker, ["version", "--format", "{{.Server.APIVersion}}"], cancellationToken).ConfigureAwait(false);
            if (code == 0 && output.Trim().Length > 0)
            {
                found.Add($"Docker daemon: API {output.Trim()}");
            }
            else
            {
                problems.Add(new PreflightProblem("a running Docker daemon", $"'docker version' failed: {FirstLine(error)}", "start it (scripts/start-docker.sh, or 'systemctl start docker')"));
            }
        }

        if (locate("k3d") is { } k3d)
        {
            var (code, output, error) = await call("k3d", k3d, ["version"], cancellationToken).ConfigureAwait(false);
            var version = code == 0 ? K3dVersionOf(output) : null;
            if (version is null)
            {
                problems.Add(new PreflightProblem("k3d's version", $"'k3d version' did not name one (exit {code}: {FirstLine(code == 0 ? output : error)})", $"install k3d v{RuntimeVersions.K3dVersion}: {HowToGet("k3d")}"));
            }
            else if (version < RuntimeVersions.MinimumK3dVersion)
            {
                problems.Add(new PreflightProblem(
                    $"k3d v{RuntimeVersions.MinimumK3dVersion} or newer",
                    $"found k3d v{version}; the cluster config (apiVersion k3d.io/v1alpha5) needs v{RuntimeVersions.MinimumK3dVersion} or newer",
                    $"install k3d v{RuntimeVersions.K3dVersion}: {HowToGet("k3d")}"));
            }
            else
            {
                found.Add($"k3d v{version}");
            }
        }

        problems.AddRange(ChartProblems(options.ChartsDirectory));
        found.Add($"Vault image: {options.VaultImage ?? RuntimeVersions.VaultImage} via chart {RuntimeVersions.VaultChart} {RuntimeVersions.VaultChartVersion}");
        found.Add($"k3s image: {RuntimeVersions.K3sImage}; Vault Secrets Operator {RuntimeVersions.VaultSecretsOperatorChartVersion}");
        return new RuntimePreflight(RuntimeKind.K3d, found, problems);
    }

    /// <inheritdoc />
    public async Task<PostgresEndpoint> StartPostgresAsync(SandboxRun run, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(run);
        if (run.State.ClusterName is null)
        {
            await CreateClusterAsync(run, cancellationToken).ConfigureAwait(false);
            var password = run.NewSecret();
            if (run.Plan is null)
            {
                await ProcessRuntime.WriteSecretFileAsync(run.Paths.PostgresPasswordFile, password, cancellationToken).ConfigureAwait(false);
            }

            // The password goes through stdin, never on a command line.
            var secret = $"apiVersion: v1\nkind: Secret\nmetadata:\n  name: postgres-superuser\n  namespace: {RuntimeVersions.ToolsNamespace}\ntype: Opaque\nstringData:\n  password: \"{password}\"\n";
            var manifest = Path.Combine(ManifestsFolder(run), "postgres.yaml");
            await run.WriteFileAsync(manifest, await run.Guard.ReadAllTextAsync(Path.Combine(RequireAssets(), "postgres.yaml"), Caller, cancellationToken).ConfigureAwait(false), cancellationToken: cancellationToken).ConfigureAwait(false);
            await KubectlAsync(run, ["create", "namespace", RuntimeVersions.ToolsNamespace], cancellationToken).ConfigureAwait(false);
            await KubectlAsync(run, ["apply", "-f", "-"], cancellationToken, stdin: secret, stdinFile: "manifests/postgres-superuser.yaml").ConfigureAwait(false);
            await KubectlAsync(run, ["apply", "-f", manifest], cancellationToken).ConfigureAwait(false);
        }
        else
        {
            await KubectlAsync(run, ["-n", RuntimeVersions.ToolsNamespace, "scale", "statefulset/postgres", "--replicas=1"], cancellationToken).ConfigureAwait(false);
        }

        await KubectlAsync(run, ["-n", RuntimeVersions.ToolsNamespace, "rollout", "status", "statefulset/postgres", $"--timeout={(int)run.Options.FirstStartTimeout.TotalSeconds}s"], cancellationToken).ConfigureAwait(false);
        var pw = run.Plan is null ? (await run.Guard.ReadAllTextAsync(run.Paths.PostgresPasswordFile, Caller, cancellationToken).ConfigureAwait(false)).Trim() : run.NewSecret();
        run.State.PostgresHost = "127.0.0.1";
        run.State.PostgresSuperuser = "postgres";
        await run.SaveStateAsync(cancellationToken).ConfigureAwait(false);
        return new PostgresEndpoint("127.0.0.1", run.State.PostgresPort!.Value, "postgres", pw);
    }

    /// <inheritdoc />
    public async Task StopPostgresAsync(SandboxRun run, bool kill, CancellationToken cancellationToken = default)
    {
        await KubectlAsync(run, ["-n", RuntimeVersions.ToolsNamespace, "scale", "statefulset/postgres", "--replicas=0"], cancellationToken).ConfigureAwait(false);
        if (kill)
        {
            await KubectlAsync(run, ["-n", RuntimeVersions.ToolsNamespace, "delete", "pod", "postgres-0", "--grace-period=0", "--force", "--ignore-not-found"], cancellationToken).ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    public async Task<bool> IsPostgresRunningAsync(SandboxRun run, CancellationToken cancellationToken = default) =>
        await PodPhaseAsync(run, "postgres-0", cancellationToken).ConfigureAwait(false) == "Running";

    /// <inheritdoc />
    public async Task<VaultFlavor> StartVaultAsync(SandboxRun run, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(run);
        var image = run.Options.VaultImage ?? (run.State.VaultSource.Length > 0 ? run.State.VaultSource : RuntimeVersions.VaultImage);
        // The kind is what the pod's binary says once it runs (or said before, for this image), never the image's name.
        var kind = run.State.VaultSource == image ? run.State.VaultFlavor().Kind : VaultKind.Unknown;
        run.State.VaultSource = image;
        if (run.State.Address is null)
        {
            await InstallChartsAsync(run, image, cancellationToken).ConfigureAwait(false);
            run.State.Address = $"http://127.0.0.1:{run.State.VaultPort!.Value.ToString(CultureInfo.InvariantCulture)}";
            await run.SaveStateAsync(cancellationToken).ConfigureAwait(false);
        }
        else
        {
            await KubectlAsync(run, ["-n", RuntimeVersions.ToolsNamespace, "scale", $"statefulset/{RuntimeVersions.VaultRelease}", "--replicas=1"], cancellationToken).ConfigureAwait(false);
        }

        var what = kind == VaultKind.Unknown ? $"Vault (image {image})" : new VaultFlavor(kind, run.State.VaultVersion, image).Describe();
        // A Pending, ContainerCreating or not-yet-created pod is "not yet"; only a pod that cannot
        // recover ends the wait, with its last events. Never wait for Ready: a sealed Vault is never Ready.
        var status = await VaultReadiness.WaitAsync(
            run,
            new Uri(run.State.Address),
            what,
            ct => VaultPodAliveAsync(run, what, ct),
            () => "  (see: kubectl --kubeconfig " + run.Paths.Kubeconfig + " -n tools logs " + RuntimeVersions.VaultRelease + "-0)",
            cancellationToken,
            run.Options.FirstStartTimeout).ConfigureAwait(false);
        if (kind == VaultKind.Unknown)
        {
            kind = await AskVaultPodAsync(run, cancellationToken).ConfigureAwait(false);
        }

        run.State.VaultKind = VaultFlavor.KindNameOf(kind);
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

    /// <summary>The in-cluster API address Vault's Kubernetes auth checks tokens against.</summary>
    public const string InClusterKubernetesHost = "https://kubernetes.default.svc";

    /// <summary>
    /// Replay's inputs per runtime: on k3d, <c>connection_url</c> names the in-cluster PostgreSQL
    /// Service and <c>kubernetes_host</c> the cluster's own API (no CA given: Vault uses its pod's CA
    /// and its own ServiceAccount token as the reviewer, which the chart's auth-delegator binding
    /// allows); on process and docker, the host view without Kubernetes auth, as before.
    /// </summary>
    /// <param name="runtime">The runtime.</param>
    /// <param name="postgres">The sandbox PostgreSQL (host view: superuser and password).</param>
    /// <param name="jwtValidationPubkeys">The sandbox issuer's public keys, or null.</param>
    public static Replay.ReplayOptions ReplayOptionsFor(RuntimeKind runtime, PostgresEndpoint postgres, IReadOnlyList<string>? jwtValidationPubkeys) =>
        runtime == RuntimeKind.K3d
            ? new Replay.ReplayOptions
            {
                Postgres = postgres,
                ConnectionUrl = $"postgresql://{{{{username}}}}:{{{{password}}}}@{VsoManifests.InClusterPostgresHost}:5432/postgres?sslmode=disable",
                KubernetesHost = InClusterKubernetesHost,
                InCluster = true,
                InClusterServices = [VsoManifests.InClusterPostgresHost, new Uri(InClusterKubernetesHost).Host],
                JwtValidationPubkeys = jwtValidationPubkeys,
            }
            : new Replay.ReplayOptions { Postgres = postgres, JwtValidationPubkeys = jwtValidationPubkeys };

    /// <summary>Writes each app's manifest (<c>manifests/app-&lt;slug&gt;.yaml</c>) and applies it.</summary>
    /// <param name="run">The sandbox.</param>
    /// <param name="topology">The topology.</param>
    /// <param name="cancellationToken">Cancels the apply.</param>
    /// <exception cref="TopologyAppNameException">A name cannot be a Kubernetes name; nothing was applied.</exception>
    public async Task ApplyAppsAsync(SandboxRun run, Topology.TopologySpec topology, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(topology);
        VsoManifests.Validate(topology);
        foreach (var app in topology.Apps)
        {
            var file = Path.Combine(ManifestsFolder(run), $"app-{app.Slug}.yaml");
            await run.WriteFileAsync(file, VsoManifests.Render(topology, app), cancellationToken: cancellationToken).ConfigureAwait(false);
            await KubectlAsync(run, ["apply", "-f", file], cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// A power cut's share of the cluster besides Vault and PostgreSQL: the operator's pods and every
    /// app's pods die at once (forced deletes, no grace period); their Deployments start new ones. The
    /// operator's client cache is in memory by default (the chart's
    /// <c>controller.manager.clientCache.persistenceModel</c>), so its new pod holds no Vault token.
    /// </summary>
    /// <param name="run">The sandbox.</param>
    /// <param name="topology">The apps whose pods die.</param>
    /// <param name="cancellationToken">Cancels the deletes.</param>
    internal async Task KillOperatorAndAppPodsAsync(SandboxRun run, Topology.TopologySpec topology, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(topology);
        await KubectlAsync(run, ["-n", RuntimeVersions.VaultSecretsOperatorNamespace, "delete", "pod", "--all", "--grace-period=0", "--force", "--ignore-not-found"], cancellationToken).ConfigureAwait(false);
        foreach (var app in topology.Apps)
        {
            await KubectlAsync(run, ["-n", app.Namespace, "delete", "pod", "-l", "app=" + app.Slug, "--grace-period=0", "--force", "--ignore-not-found"], cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// What the operator delivered to an app, read from the API server: the VaultDynamicSecret's
    /// status (the Vault client's ID, a hash of its token's accessor; the lease; the last renewal) and
    /// the app Deployment's ready replicas.
    /// </summary>
    /// <param name="run">The sandbox.</param>
    /// <param name="app">The app.</param>
    /// <param name="cancellationToken">Cancels the reads.</param>
    internal async Task<AppDelivery> ReadAppDeliveryAsync(SandboxRun run, Topology.AppSpec app, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(app);
        var secret = JsonNode.Parse(await KubectlAsync(run, ["-n", app.Namespace, "get", "vaultdynamicsecret", VsoManifests.DatabaseSecretName(app.Slug), "-o", "json"], cancellationToken).ConfigureAwait(false));
        var deployment = JsonNode.Parse(await KubectlAsync(run, ["-n", app.Namespace, "get", "deployment", app.Slug, "-o", "json"], cancellationToken).ConfigureAwait(false));
        var status = secret?["status"];
        return Delivery(status, deployment);
    }

    /// <summary>Reads an <see cref="AppDelivery"/> from a VaultDynamicSecret's status and the app's Deployment (both as <c>kubectl get -o json</c> prints them).</summary>
    /// <param name="status">The VaultDynamicSecret's <c>.status</c>, or null.</param>
    /// <param name="deployment">The Deployment, or null.</param>
    internal static AppDelivery Delivery(JsonNode? status, JsonNode? deployment)
    {
        var deploymentStatus = deployment?["status"];
        long Number(JsonNode? node) => node?.GetValue<long>() ?? 0;
        var generation = Number(deployment?["metadata"]?["generation"]);
        var specReplicas = deployment?["spec"]?["replicas"] is { } r ? r.GetValue<long>() : 1; // apps/v1 defaults spec.replicas to 1
        var updated = Number(deploymentStatus?["updatedReplicas"]);

        // kubectl rollout status (pkg/polymorphichelpers/rollout_status.go, DeploymentStatusViewer.Status).
        var rolledOut = deployment is not null
            && generation <= Number(deploymentStatus?["observedGeneration"])
            && updated >= specReplicas
            && Number(deploymentStatus?["replicas"]) <= updated
            && Number(deploymentStatus?["availableReplicas"]) >= updated;
        return new AppDelivery(
            NonEmpty(status?["vaultClientMeta"]?["id"]?.GetValue<string>()),
            NonEmpty(status?["secretLease"]?["id"]?.GetValue<string>()),
            status?["lastRenewalTime"]?.GetValue<long>(),
            deploymentStatus?["readyReplicas"]?.GetValue<int>() ?? 0)
        {
            RestartedAt = NonEmpty(deployment?["spec"]?["template"]?["metadata"]?["annotations"]?[AppDelivery.RestartedAtAnnotation]?.GetValue<string>()),
            Generation = generation,
            RolledOut = rolledOut,
        };
    }

    /// <summary>
    /// A token of the app's ServiceAccount, issued by the cluster's API server (<c>kubectl create token</c>,
    /// the TokenRequest API: kubectl 1.24+): what a pod of that ServiceAccount presents to Vault's
    /// Kubernetes auth, which Vault checks with a TokenReview against the same API server. The token
    /// is a secret: it is returned, never logged, and never on a command line.
    /// </summary>
    /// <param name="run">The sandbox.</param>
    /// <param name="serviceAccountNamespace">The ServiceAccount's namespace.</param>
    /// <param name="serviceAccount">The ServiceAccount.</param>
    /// <param name="audience">The audience to bind (Kubernetes auth's role <c>audience</c>), or null for the API server's own.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    internal async Task<string> CreateServiceAccountTokenAsync(SandboxRun run, string serviceAccountNamespace, string serviceAccount, string? audience, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentException.ThrowIfNullOrEmpty(serviceAccountNamespace);
        ArgumentException.ThrowIfNullOrEmpty(serviceAccount);
        string[] args = audience is null
            ? ["-n", serviceAccountNamespace, "create", "token", serviceAccount]
            : ["-n", serviceAccountNamespace, "create", "token", serviceAccount, "--audience", audience];
        var token = (await KubectlAsync(run, args, cancellationToken).ConfigureAwait(false)).Trim();
        if (token.Length == 0 && run.Plan is null)
        {
            throw SandboxRuntimeException.LaunchFailed($"'kubectl create token {serviceAccount}'", $"it printed no token for ServiceAccount {serviceAccountNamespace}/{serviceAccount}");
        }

        return token;
    }

    private static string? NonEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;

    /// <summary>Fills <c>k3d/cluster.yaml</c>'s placeholders.</summary>
    /// <param name="template">The template.</param>
    /// <param name="paths">The sandbox's paths (name, home id).</param>
    /// <param name="session">The session id.</param>
    /// <param name="apiPort">The API's host port.</param>
    /// <param name="vaultPort">Vault's host port.</param>
    /// <param name="postgresPort">PostgreSQL's host port.</param>
    internal static string RenderClusterConfig(string template, SandboxPaths paths, string session, int apiPort, int vaultPort, int postgresPort) => template
        .Replace("${SANDBOX_NAME}", paths.Name, StringComparison.Ordinal)
        .Replace("${SANDBOX_SESSION}", session, StringComparison.Ordinal)
        .Replace("${SANDBOX_HOME_ID}", paths.HomeId, StringComparison.Ordinal)
        .Replace("${K3S_IMAGE}", RuntimeVersions.K3sImage, StringComparison.Ordinal)
        .Replace("${API_PORT}", apiPort.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal)
        .Replace("${VAULT_PORT}", vaultPort.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal)
        .Replace("${POSTGRES_PORT}", postgresPort.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal);

    /// <summary>The kube context <c>k3d kubeconfig get</c> names for a cluster.</summary>
    /// <param name="cluster">The cluster name.</param>
    public static string ContextOf(string cluster) => "k3d-" + cluster;

    private async Task CreateClusterAsync(SandboxRun run, CancellationToken cancellationToken)
    {
        var apiPort = PortSource();
        run.State.VaultPort = PortSource();
        run.State.PostgresPort = PortSource();
        var template = await run.Guard.ReadAllTextAsync(Path.Combine(RequireAssets(), "cluster.yaml"), Caller, cancellationToken).ConfigureAwait(false);
        var config = RenderClusterConfig(template, run.Paths, run.State.SessionId, apiPort, run.State.VaultPort.Value, run.State.PostgresPort.Value);
        var configFile = Path.Combine(run.Paths.RunFolder, "k3d-cluster.yaml");
        await run.WriteFileAsync(configFile, config, cancellationToken: cancellationToken).ConfigureAwait(false);

        // Recorded before the create, so that down/sweep delete a half-made cluster too.
        run.State.ClusterName = run.Paths.Name;
        await run.SaveStateAsync(cancellationToken).ConfigureAwait(false);
        await RunAsync(run, "k3d", ["cluster", "create", "--config", configFile, "--kubeconfig-update-default=false", "--kubeconfig-switch-context=false"], cancellationToken).ConfigureAwait(false);

        var kubeconfig = await RunAsync(run, "k3d", ["kubeconfig", "get", run.Paths.Name], cancellationToken).ConfigureAwait(false);
        if (run.Plan is null)
        {
            await ProcessRuntime.WriteSecretFileAsync(run.Paths.Kubeconfig, kubeconfig, cancellationToken).ConfigureAwait(false);
        }

        if ((ImagesDirectory ?? run.Options.ImagesDirectory) is { } images && Directory.Exists(images))
        {
            var tarballs = Directory.EnumerateFiles(images, "*.tar").Order(StringComparer.Ordinal).ToList();
            if (tarballs.Count > 0)
            {
                await RunAsync(run, "k3d", ["image", "import", .. tarballs, "--cluster", run.Paths.Name], cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private async Task InstallChartsAsync(SandboxRun run, string image, CancellationToken cancellationToken)
    {
        var (repository, tag) = RuntimeVersions.SplitImage(image);
        var charts = run.Options.ChartsDirectory;
        if (charts is null)
        {
            await HelmAsync(run, ["repo", "add", "hashicorp", RuntimeVersions.HashiCorpHelmRepository, "--force-update"], cancellationToken).ConfigureAwait(false);
        }

        // One values file per release holds everything Helm gets (the --set-string values merged in).
        var setStrings = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["server.image.repository"] = repository,
            ["server.image.tag"] = tag,
        };
        var vaultValues = Path.Combine(run.Paths.RunFolder, "helm", RuntimeVersions.VaultRelease + ".values.yaml");
        var vaultBase = await run.Guard.ReadAllTextAsync(Path.Combine(RequireAssets(), "values", "vault.yaml"), Caller, cancellationToken).ConfigureAwait(false);
        await run.WriteFileAsync(vaultValues, HelmValues.MergeStrings(vaultBase, setStrings), cancellationToken: cancellationToken).ConfigureAwait(false);
        var vsoValues = Path.Combine(run.Paths.RunFolder, "helm", RuntimeVersions.VaultSecretsOperatorRelease + ".values.yaml");
        var vsoBase = await run.Guard.ReadAllTextAsync(Path.Combine(RequireAssets(), "values", "vault-secrets-operator.yaml"), Caller, cancellationToken).ConfigureAwait(false);
        await run.WriteFileAsync(vsoValues, HelmValues.MergeStrings(vsoBase, []), cancellationToken: cancellationToken).ConfigureAwait(false);

        await HelmAsync(run, ["upgrade", "--install", RuntimeVersions.VaultRelease, .. ChartArguments(charts, RuntimeVersions.VaultChart, RuntimeVersions.VaultChartVersion),
            "--namespace", RuntimeVersions.ToolsNamespace, "--create-namespace", "--values", vaultValues,
            .. setStrings.SelectMany(p => new[] { "--set-string", $"{p.Key}={p.Value}" })], cancellationToken).ConfigureAwait(false);
        await HelmAsync(run, ["upgrade", "--install", RuntimeVersions.VaultSecretsOperatorRelease,
            .. ChartArguments(charts, RuntimeVersions.VaultSecretsOperatorChart, RuntimeVersions.VaultSecretsOperatorChartVersion),
            "--namespace", RuntimeVersions.VaultSecretsOperatorNamespace, "--create-namespace", "--values", vsoValues], cancellationToken).ConfigureAwait(false);
    }

    private static string[] ChartArguments(string? chartsDirectory, string chart, string version) =>
        chartsDirectory is null
            ? [chart, "--version", version]
            : [Path.Combine(Path.GetFullPath(chartsDirectory), RuntimeVersions.ChartArchive(chart, version))];

    /// <summary>The problems of a <c>--charts</c> folder: each pinned archive must be there, and be the pinned version.</summary>
    /// <param name="chartsDirectory">The folder, or null (then there is nothing to check).</param>
    internal static IReadOnlyList<PreflightProblem> ChartProblems(string? chartsDirectory)
    {
        var problems = new List<PreflightProblem>();
        if (chartsDirectory is null)
        {
            return problems;
        }

        foreach (var (chart, version) in new[] { (RuntimeVersions.VaultChart, RuntimeVersions.VaultChartVersion), (RuntimeVersions.VaultSecretsOperatorChart, RuntimeVersions.VaultSecretsOperatorChartVersion) })
        {
            var archive = Path.Combine(chartsDirectory, RuntimeVersions.ChartArchive(chart, version));
            var how = $"'helm pull {chart} --version {version} -d {chartsDirectory}' where {RuntimeVersions.HashiCorpHelmRepository} is reachable (after 'helm repo add hashicorp {RuntimeVersions.HashiCorpHelmRepository}'), then copy the folder here";
            if (!SandboxGuard.ForFiles.FileExists(archive, Caller))
            {
                var name = chart[(chart.LastIndexOf('/') + 1)..];
                var others = Directory.Exists(chartsDirectory)
                    ? Directory.EnumerateFiles(chartsDirectory, name + "-*.tgz").Select(Path.GetFileName).Where(f => f is not null && char.IsDigit(f[name.Length + 1])).ToList()
                    : [];
                problems.Add(new PreflightProblem(
                    $"the chart archive {Path.GetFileName(archive)}",
                    others.Count > 0 ? $"{chartsDirectory} holds {string.Join(", ", others)}, not version {version}" : $"not found in {chartsDirectory}",
                    how));
                continue;
            }

            var found = ChartArchiveVersion(archive);
            if (found != version)
            {
                problems.Add(new PreflightProblem($"the chart archive {Path.GetFileName(archive)}", $"its Chart.yaml says version {found ?? "(none: not a chart archive)"}, not {version}", how));
            }
        }

        return problems;
    }

    /// <summary>The <c>version:</c> of the chart's <c>Chart.yaml</c> in a <c>.tgz</c> chart archive, or null.</summary>
    /// <param name="archive">The archive.</param>
    internal static string? ChartArchiveVersion(string archive)
    {
        try
        {
            using var file = SandboxGuard.ForFiles.OpenFile(archive, FileMode.Open, FileAccess.Read, Caller);
            using var gzip = new System.IO.Compression.GZipStream(file, System.IO.Compression.CompressionMode.Decompress);
            using var tar = new System.Formats.Tar.TarReader(gzip);
            while (tar.GetNextEntry() is { } entry)
            {
                var parts = entry.Name.Split('/');
                if (parts.Length == 2 && parts[1] == "Chart.yaml" && entry.DataStream is { } data)
                {
                    using var reader = new StreamReader(data);
                    var line = reader.ReadToEnd().Split('\n').Select(l => l.TrimEnd('\r')).FirstOrDefault(l => l.StartsWith("version:", StringComparison.Ordinal));
                    return line?["version:".Length..].Trim().Trim('"', '\'');
                }
            }
        }
        catch (Exception e) when (e is IOException or InvalidDataException or FormatException or UnauthorizedAccessException)
        {
            return null;
        }

        return null;
    }

    /// <summary>The version in <c>k3d version</c>'s output (<c>k3d version v5.9.0</c>), or null.</summary>
    /// <param name="output">The output.</param>
    internal static Version? K3dVersionOf(string output)
    {
        var match = System.Text.RegularExpressions.Regex.Match(output, @"k3d version v?(\d+)\.(\d+)\.(\d+)", System.Text.RegularExpressions.RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
        return match.Success
            ? new Version(int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture), int.Parse(match.Groups[2].Value, CultureInfo.InvariantCulture), int.Parse(match.Groups[3].Value, CultureInfo.InvariantCulture))
            : null;
    }

    private static string ManifestsFolder(SandboxRun run) => Path.Combine(run.Paths.RunFolder, "manifests");

    private async Task<bool> VaultPodAliveAsync(SandboxRun run, string what, CancellationToken cancellationToken)
    {
        var pod = RuntimeVersions.VaultRelease + "-0";
        var json = await KubectlAsync(run, ["-n", RuntimeVersions.ToolsNamespace, "get", "pod", pod, "--ignore-not-found", "-o", "json"], cancellationToken).ConfigureAwait(false);
        var (condition, reason) = PodState.Classify(json);
        if (condition != PodCondition.Dead)
        {
            // Not yet created, Pending, ContainerCreating: the budget (--start-timeout) decides, not a count.
            return true;
        }

        var events = await KubectlAsync(run, ["-n", RuntimeVersions.ToolsNamespace, "get", "events", "--field-selector", $"involvedObject.name={pod}",
            "-o", "jsonpath={range .items[*]}{.type} {.reason}: {.message}{\"\\n\"}{end}"], cancellationToken).ConfigureAwait(false);
        var last = events.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).TakeLast(8).Select(l => "  " + l);
        throw SandboxRuntimeException.LaunchFailed(what, $"pod {RuntimeVersions.ToolsNamespace}/{pod} cannot start ({reason}). Its last events:\n{string.Join("\n", last)}\n"
            + $"  (see: kubectl --kubeconfig {run.Paths.Kubeconfig} -n {RuntimeVersions.ToolsNamespace} describe pod {pod})");
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

    // Explicit, simple forms only ('--kubeconfig FILE --context NAME'), so the guard can classify every argument.
    private Task<string> KubectlAsync(SandboxRun run, string[] args, CancellationToken cancellationToken, string? stdin = null, string? stdinFile = null) =>
        RunAsync(run, "kubectl", ["--kubeconfig", run.Paths.Kubeconfig, "--context", ContextOf(run.Paths.Name), .. args], cancellationToken, stdin, stdinFile);

    private Task<string> HelmAsync(SandboxRun run, string[] args, CancellationToken cancellationToken) =>
        RunAsync(run, "helm", ["--kubeconfig", run.Paths.Kubeconfig, "--kube-context", ContextOf(run.Paths.Name), .. args], cancellationToken);

    /// <summary>
    /// What the Vault pod's binary says it is: <c>vault version</c> in its vault container (hashicorp/vault),
    /// else <c>bao version</c> (openbao/openbao ships <c>bao</c>), read with <see cref="VaultVersionProbe.Parse"/>.
    /// Unknown when neither answers as a Vault; a plan records the question and runs nothing.
    /// </summary>
    private async Task<VaultKind> AskVaultPodAsync(SandboxRun run, CancellationToken cancellationToken)
    {
        foreach (var binary in new[] { "vault", "bao" })
        {
            string[] args = ["--kubeconfig", run.Paths.Kubeconfig, "--context", ContextOf(run.Paths.Name), "-n", RuntimeVersions.ToolsNamespace, "exec", RuntimeVersions.VaultRelease + "-0", "-c", "vault", "--", binary, "version"];
            var (code, output, _) = await RunCoreAsync(run, "kubectl", args, cancellationToken).ConfigureAwait(false);
            if (run.Plan is not null)
            {
                return VaultKind.Unknown;
            }

            if (code == 0 && VaultVersionProbe.Parse(output) is { Kind: not VaultKind.Unknown } said)
            {
                return said.Kind;
            }
        }

        return VaultKind.Unknown;
    }

    private async Task<string> RunAsync(SandboxRun run, string tool, string[] args, CancellationToken cancellationToken, string? stdin = null, string? stdinFile = null)
    {
        var (code, output, error) = await RunCoreAsync(run, tool, args, cancellationToken, stdin, stdinFile).ConfigureAwait(false);
        if (code != 0)
        {
            throw SandboxRuntimeException.LaunchFailed($"'{tool} {string.Join(' ', args.Take(3))}'", $"exit code {code}: {FirstLine(error)}");
        }

        return output;
    }

    private async Task<(int Code, string Output, string Error)> RunCoreAsync(SandboxRun run, string tool, string[] args, CancellationToken cancellationToken, string? stdin = null, string? stdinFile = null)
    {
        var path = FindTool(tool) ?? (run.Plan is not null ? tool : null) ?? throw SandboxRuntimeException.LaunchFailed(tool, $"not found {(_toolDirectory is null ? "on PATH" : "in " + _toolDirectory)}; {HowToGet(tool)}");
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
        if (run.Plan is { } plan)
        {
            // Planning: the guard has judged the command as it would before a real run; nothing runs.
            plan.AddCommand(tool, args, stdin, stdinFile);
            return (0, string.Empty, string.Empty);
        }

        var result = await guarded.ExecuteBufferedAsync(cancellationToken).ConfigureAwait(false);
        return (result.ExitCode, result.StandardOutput, result.StandardError);
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
