using System.Text.Json;
using System.Text.Json.Nodes;
using CliWrap;
using CliWrap.Buffered;
using Json.Schema;
using NUnit.Framework;
using Sandbox.Harness.Identity;
using Sandbox.Harness.Replay;
using Sandbox.Harness.Runtimes;
using Sandbox.Harness.Runtimes.K3d;
using Sandbox.Harness.Tests.Support;
using Sandbox.Harness.Tests.Topology;
using Sandbox.Harness.Topology;

namespace Sandbox.Harness.Tests.Runtimes;

/// <summary>
/// The fakes' upstream rules that need a live Vault: a sealed Vault's pod is never Ready, and the
/// operator's objects carry the status fields VSO 1.4.1 writes (validated against its CRDs), through
/// a power cut and the lab's start order. The Vault and PostgreSQL behind the fakes are a real
/// process sandbox (the Vault double and PostgreSQL 15).
/// </summary>
public sealed partial class K3dRuntimeFakeToolsTests
{
    [Test]
    [CancelAfter(120000)]
    public async Task FakeKubectl_VaultsPodIsReadyOnlyWhileVaultIsUnsealed_AsTheChartsReadinessProbe(CancellationToken cancellationToken)
    {
        SandboxTestHome.RequireProcessRuntime();
        await using var home = new SandboxTestHome();
        await using var sbx = await home.Manager.UpAsync(home.Options("ready"), cancellationToken);
        await RegisterClusterAsync(sbx.Address.Port, cancellationToken);

        var unsealed = await VaultPodAsync(cancellationToken);
        await sbx.SealAsync(cancellationToken);
        var sealedPod = await VaultPodAsync(cancellationToken);
        await sbx.UnsealFromKeyFileAsync(cancellationToken);
        var again = await VaultPodAsync(cancellationToken);

        Assert.Multiple(() =>
        {
            Assert.That(Ready(unsealed), Is.EqualTo("True"), unsealed.ToJsonString());
            Assert.That(sealedPod["status"]!["phase"]!.GetValue<string>(), Is.EqualTo("Running"), "a sealed Vault's pod runs");
            Assert.That(Ready(sealedPod), Is.EqualTo("False"), "but is never Ready: " + sealedPod.ToJsonString());
            Assert.That(sealedPod["status"]!["containerStatuses"]![0]!["ready"]!.GetValue<bool>(), Is.False);
            Assert.That(Ready(again), Is.EqualTo("True"), "Ready again once unsealed");
        });
    }

    [Test]
    [CancelAfter(120000)]
    public async Task FakeVso_ObjectsReportTheStatusFieldsTheOperatorWrites_ValidAgainstItsCrds(CancellationToken cancellationToken)
    {
        var schemas = StatusSchemas();
        SandboxTestHome.RequireProcessRuntime();
        await using var home = new SandboxTestHome();
        await using var sbx = await home.Manager.UpAsync(home.Options("vso"), cancellationToken);
        await using var world = await VsoWorld.StartAsync(sbx, home, Path.Combine(_calls, "objects"), cancellationToken);

        await world.Operator.ReconcileAsync(cancellationToken);
        var auth = await GetAsync("vaultauth", "webapp", cancellationToken);
        var kv = await GetAsync("vaultstaticsecret", "webapp-config", cancellationToken);
        var db = await GetAsync("vaultdynamicsecret", "webapp-db", cancellationToken);
        var app = await GetAsync("deployment", "webapp", cancellationToken);

        Assert.Multiple(() =>
        {
            AssertStatusValid(schemas["VaultAuth"], auth, "VaultAuth webapp");
            AssertStatusValid(schemas["VaultStaticSecret"], kv, "VaultStaticSecret webapp-config");
            AssertStatusValid(schemas["VaultDynamicSecret"], db, "VaultDynamicSecret webapp-db");
            Assert.That(auth["status"]!["valid"]!.GetValue<bool>(), Is.True);
            Assert.That(db["status"]!["secretLease"]!["id"]!.GetValue<string>(), Does.StartWith("postgres/creds/webapp/"), "a real lease from Vault");
            Assert.That(db["status"]!["secretLease"]!["duration"]!.GetValue<long>(), Is.GreaterThan(0));
            Assert.That(db["status"]!["vaultClientMeta"]!["id"]!.GetValue<string>(), Is.Not.Empty, "the client logged in (Kubernetes auth, role webapp)");
            Assert.That(db["status"]!.AsObject().ContainsKey("secretMAC"), Is.False, "no secretMAC for a dynamic role without allowStaticCreds");
            Assert.That(kv["status"]!["secretMAC"]!.GetValue<string>(), Is.Not.Empty);
            Assert.That(app["status"]!["readyReplicas"]!.GetValue<int>(), Is.EqualTo(1), "the app logs in with the Secret's credentials");
        });

        // The check can fail: a status without the lease VSO always writes does not validate.
        var broken = db.DeepClone();
        broken["status"]!.AsObject().Remove("secretLease");
        Assert.That(schemas["VaultDynamicSecret"].Evaluate(JsonSerializer.SerializeToElement(broken["status"])).IsValid, Is.False);
    }

    [Test]
    [CancelAfter(180000)]
    public async Task FakeVso_AfterAPowerCut_DeliversNewCredentialsOnlyAfterTheUnseal_ThroughANewLogin(CancellationToken cancellationToken)
    {
        SandboxTestHome.RequireProcessRuntime();
        await using var home = new SandboxTestHome();
        await using var sbx = await home.Manager.UpAsync(home.Options("vso-cut"), cancellationToken);
        await using var world = await VsoWorld.StartAsync(sbx, home, Path.Combine(_calls, "objects"), cancellationToken);
        await RegisterClusterAsync(sbx.Address.Port, cancellationToken);
        var vso = world.Operator;
        await vso.ReconcileAsync(cancellationToken);
        var before = await GetAsync("vaultdynamicsecret", "webapp-db", cancellationToken);

        // The k3d runtime reads what VSO delivered, and kills its pods and the app's, through the fake kubectl.
        var k3d = new K3dRuntime(toolDirectory: _tools);
        using var run = new SandboxRun(new SandboxPaths(home.Folder, "lab"), new SandboxState { Name = "lab", Runtime = RuntimeKind.K3d, ClusterName = "lab" },
            new SandboxOptions { Runtime = RuntimeKind.K3d }, home.Guard, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance, TimeProvider.System);
        Directory.CreateDirectory(run.Paths.RunFolder);
        var app = world.Topology.Apps.Single(a => a.Slug == "webapp");
        var delivered = await k3d.ReadAppDeliveryAsync(run, app, cancellationToken);
        var progress = new DeliveryProgress(delivered);

        // The power cut: Vault, PostgreSQL, the operator's and the app's pods; then PostgreSQL, then Vault.
        await Task.WhenAll(sbx.StopVaultAsync(kill: true, cancellationToken), sbx.StopPostgresAsync(kill: true, cancellationToken), k3d.KillOperatorAndAppPodsAsync(run, world.Topology, cancellationToken));
        await sbx.StartPostgresAsync(cancellationToken);
        await sbx.StartVaultAsync(cancellationToken);
        for (var i = 0; i < 3; i++)
        {
            await vso.ReconcileAsync(cancellationToken);
            progress.Observe(DateTimeOffset.UtcNow, await k3d.ReadAppDeliveryAsync(run, app, cancellationToken));
        }

        var changedWhileSealed = progress.AnyChange;
        var unsealStart = DateTimeOffset.UtcNow;

        var whileSealed = await GetAsync("vaultdynamicsecret", "webapp-db", cancellationToken);
        var podWhileSealed = await VaultPodAsync(cancellationToken);
        await sbx.UnsealFromKeyFileAsync(cancellationToken);
        await vso.ReconcileAsync(cancellationToken);
        var after = await GetAsync("vaultdynamicsecret", "webapp-db", cancellationToken);
        var deployment = await GetAsync("deployment", "webapp", cancellationToken);
        var redelivered = await k3d.ReadAppDeliveryAsync(run, app, cancellationToken);
        var readyWithNew = progress.Observe(DateTimeOffset.UtcNow, redelivered);
        var argv = File.ReadAllLines(Path.Combine(_calls, "calls.jsonl")).Select(l => JsonNode.Parse(l)!["argv"]!.GetValue<string>()).ToList();

        Assert.Multiple(() =>
        {
            Assert.That(Ready(podWhileSealed), Is.EqualTo("False"), "Vault's pod is not Ready while sealed");
            Assert.That(vso.Events.Count(e => e.Contains("Failed to get Vault client", StringComparison.Ordinal) && e.Contains("Vault is sealed", StringComparison.Ordinal)), Is.EqualTo(3),
                "each reconcile while sealed fails to log in and leaves the status alone: " + string.Join(" | ", vso.Events));
            Assert.That(whileSealed["status"]!.ToJsonString(), Is.EqualTo(before["status"]!.ToJsonString()), "no new credential while sealed");
            Assert.That(after["status"]!["vaultClientMeta"]!["id"]!.GetValue<string>(), Is.Not.EqualTo(before["status"]!["vaultClientMeta"]!["id"]!.GetValue<string>()),
                "after the unseal the new pod logged in again (a new token accessor)");
            Assert.That(after["status"]!["secretLease"]!["id"]!.GetValue<string>(), Is.Not.EqualTo(before["status"]!["secretLease"]!["id"]!.GetValue<string>()),
                "the new login rotated the credential (ReasonVaultTokenRotated)");
            Assert.That(after["status"]!["lastRuntimePodUID"]!.GetValue<string>(), Is.EqualTo(vso.PodUid));
            Assert.That(deployment["status"]!["readyReplicas"]!.GetValue<int>(), Is.EqualTo(1), "the app logs in with the new credential");
            Assert.That(delivered.LeaseId, Is.EqualTo(before["status"]!["secretLease"]!["id"]!.GetValue<string>()), "the runtime reads the lease VSO delivered");
            Assert.That(delivered.ReadyReplicas, Is.EqualTo(1));
            Assert.That(redelivered.ClientId, Is.Not.EqualTo(delivered.ClientId).And.Not.Null, "the runtime sees the new login");
            Assert.That(redelivered.LeaseId, Is.Not.EqualTo(delivered.LeaseId).And.Not.Null, "and the new credential");
            Assert.That(delivered.RestartedAt, Is.Not.Null, "the first sync restarted the app (rolloutRestartTargets)");
            Assert.That(redelivered.Generation, Is.GreaterThan(delivered.Generation), "the new credential restarted the app again (a pod-template patch)");
            Assert.That(redelivered.RolledOut, Is.True, "and the restart rolled out");
            Assert.That(changedWhileSealed, Is.False, "while sealed: no new login, no new credential, no restart");
            Assert.That(readyWithNew, Is.True, "the app is ready with the new credential");
            Assert.That(progress.ReauthAt, Is.GreaterThanOrEqualTo(unsealStart), "re-authenticated only after the unseal");
            Assert.That(progress.NewSecretAt, Is.GreaterThanOrEqualTo(progress.ReauthAt ?? DateTimeOffset.MaxValue), "no new credential before the re-authentication");
            Assert.That(progress.AppReadyAt, Is.GreaterThanOrEqualTo(progress.NewSecretAt ?? DateTimeOffset.MaxValue), "ready only with the new credential");
            Assert.That(progress.Violations, Is.Empty);
            Assert.That(argv, Does.Contain($"kubectl --kubeconfig {run.Paths.Kubeconfig} --context k3d-lab -n vault-secrets-operator-system delete pod --all --grace-period=0 --force --ignore-not-found"));
            Assert.That(argv, Does.Contain($"kubectl --kubeconfig {run.Paths.Kubeconfig} --context k3d-lab -n webapp delete pod -l app=webapp --grace-period=0 --force --ignore-not-found"));
        });
    }

    [Test]
    [CancelAfter(120000)]
    public async Task ServiceAccountToken_FromTheClustersApiServer_LogsInThroughKubernetesAuth_AndNeverAppearsInArgv(CancellationToken cancellationToken)
    {
        SandboxTestHome.RequireProcessRuntime();
        await using var home = new SandboxTestHome();
        await using var sbx = await home.Manager.UpAsync(home.Options("sa-token"), cancellationToken);
        await using var world = await VsoWorld.StartAsync(sbx, home, Path.Combine(_calls, "objects"), cancellationToken);
        var app = world.Topology.Apps.Single(a => a.Slug == "webapp");
        var audience = world.Topology.Kubernetes.Audience;

        // The fake API server issues the token its TokenReview trusts (the stand-in's issuer).
        var issued = world.MintServiceAccountToken(app.Namespace, app.ServiceAccount);
        var tokenFile = Path.Combine(_calls, "tokens", app.Namespace, app.ServiceAccount, audience ?? "default");
        Directory.CreateDirectory(Path.GetDirectoryName(tokenFile)!);
        await File.WriteAllTextAsync(tokenFile, issued + "\n", cancellationToken);

        var k3d = new K3dRuntime(toolDirectory: _tools);
        using var run = new SandboxRun(new SandboxPaths(home.Folder, "lab"), new SandboxState { Name = "lab", Runtime = RuntimeKind.K3d, ClusterName = "lab" },
            new SandboxOptions { Runtime = RuntimeKind.K3d }, home.Guard, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance, TimeProvider.System);
        Directory.CreateDirectory(run.Paths.RunFolder);
        var token = await k3d.CreateServiceAccountTokenAsync(run, app.Namespace, app.ServiceAccount, audience, cancellationToken);
        var login = await sbx.Unauthenticated.KubernetesLoginAsync(world.Topology.Kubernetes.Path, app.KubernetesRole.Name, token, cancellationToken);
        var missing = Assert.ThrowsAsync<SandboxRuntimeException>(() => k3d.CreateServiceAccountTokenAsync(run, app.Namespace, "nobody", audience, cancellationToken))!;
        var argv = File.ReadAllLines(Path.Combine(_calls, "calls.jsonl")).Select(l => JsonNode.Parse(l)!["argv"]!.GetValue<string>()).ToList();

        string[] expected = audience is null
            ? ["-n", app.Namespace, "create", "token", app.ServiceAccount]
            : ["-n", app.Namespace, "create", "token", app.ServiceAccount, "--audience", audience];
        Assert.Multiple(() =>
        {
            Assert.That(token, Is.EqualTo(issued), "the token alone, trimmed");
            Assert.That(login.Policies, Does.Contain(app.Slug), "Kubernetes auth role webapp accepts it");
            Assert.That(argv, Does.Contain($"kubectl --kubeconfig {run.Paths.Kubeconfig} --context k3d-lab {string.Join(' ', expected)}"));
            Assert.That(argv, Has.None.Contains(issued), "the token is never on a command line");
            Assert.That(missing.Message, Does.Contain("serviceaccounts \"nobody\" not found"), missing.Message);
            Assert.That(missing.Message, Does.Not.Contain(issued));
        });
    }

    private async Task RegisterClusterAsync(int vaultPort, CancellationToken cancellationToken)
    {
        // The cluster config the fake k3d recorded maps the NodePort to this Vault; the pod is past its Pending answers.
        var assets = Path.Combine(SandboxCheckout.FindRoot(TestContext.CurrentContext.TestDirectory)!, "k3d");
        var config = K3dRuntime.RenderClusterConfig(File.ReadAllText(Path.Combine(assets, "cluster.yaml")), new SandboxPaths(_tools, "lab"), "s-1", 6443, vaultPort, 5432);
        var file = Path.Combine(_tools, "cluster.yaml");
        await File.WriteAllTextAsync(file, config, cancellationToken);
        var created = await Cli.Wrap(Path.Combine(_tools, "k3d")).WithArguments(["cluster", "create", "--config", file]).WithValidation(CommandResultValidation.None).ExecuteBufferedAsync(cancellationToken);
        Assert.That(created.ExitCode, Is.Zero, created.StandardError);
        await File.WriteAllTextAsync(Path.Combine(_calls, "pod-asks"), PendingAnswers.ToString(System.Globalization.CultureInfo.InvariantCulture), cancellationToken);
    }

    private Task<JsonNode> VaultPodAsync(CancellationToken cancellationToken) =>
        KubectlJsonAsync(["-n", "tools", "get", "pod", "hashicorp-vault-0", "--ignore-not-found", "-o", "json"], cancellationToken);

    private Task<JsonNode> GetAsync(string kind, string name, CancellationToken cancellationToken) =>
        KubectlJsonAsync(["-n", "webapp", "get", kind, name, "-o", "json"], cancellationToken);

    private async Task<JsonNode> KubectlJsonAsync(string[] args, CancellationToken cancellationToken)
    {
        var result = await Cli.Wrap(Path.Combine(_tools, "kubectl")).WithArguments(args).WithValidation(CommandResultValidation.None).ExecuteBufferedAsync(cancellationToken);
        Assert.That(result.ExitCode, Is.Zero, $"kubectl {string.Join(' ', args)}: {result.StandardError}");
        return JsonNode.Parse(result.StandardOutput)!;
    }

    private static string? Ready(JsonNode pod) =>
        pod["status"]?["conditions"]?.AsArray().FirstOrDefault(c => c?["type"]?.GetValue<string>() == "Ready")?["status"]?.GetValue<string>();

    private static Dictionary<string, JsonSchema> StatusSchemas()
    {
        // The status part of each CRD's openAPIV3Schema (../shared/upstream/vso-1.4.1, beside the checkout).
        var checkout = SandboxCheckout.FindRoot(TestContext.CurrentContext.TestDirectory)!;
        var folder = Sandbox.Tests.Shared.Requires.Upstream(checkout, "vso-1.4.1", "the operator's CRDs");

        var schemas = new Dictionary<string, JsonSchema>(StringComparer.Ordinal);
        foreach (var file in Directory.EnumerateFiles(folder, "secrets.hashicorp.com_*.yaml"))
        {
            var crd = YamlJson.Single(File.ReadAllText(file))!;
            var version = crd["spec"]!["versions"]!.AsArray().Single(v => v!["name"]!.GetValue<string>() == "v1beta1")!;
            schemas[crd["spec"]!["names"]!["kind"]!.GetValue<string>()] = JsonSchema.FromText(version["schema"]!["openAPIV3Schema"]!["properties"]!["status"]!.ToJsonString());
        }

        return schemas;
    }

    private static void AssertStatusValid(JsonSchema schema, JsonNode obj, string what)
    {
        var result = schema.Evaluate(JsonSerializer.SerializeToElement(obj["status"]), new EvaluationOptions { OutputFormat = OutputFormat.List });
        var errors = (result.Details ?? []).Where(d => d.Errors is not null).SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation}: {e.Key}: {e.Value}"));
        Assert.That(result.IsValid, Is.True, $"{what}'s status does not validate against its CRD: {string.Join("; ", errors)}\n{obj["status"]!.ToJsonString()}");
    }

    /// <summary>Production's names replayed into a process sandbox, Kubernetes auth trusting a loopback TokenReview stand-in, and the fake operator for webapp.</summary>
    private sealed class VsoWorld : IAsyncDisposable
    {
        private readonly SandboxJwtIssuer _issuer;
        private readonly TokenReviewServer _reviewer;

        private VsoWorld(SandboxJwtIssuer issuer, TokenReviewServer reviewer, FakeVaultSecretsOperator vso, TopologySpec topology)
        {
            _issuer = issuer;
            _reviewer = reviewer;
            Operator = vso;
            Topology = topology;
        }

        public FakeVaultSecretsOperator Operator { get; }

        /// <summary>A ServiceAccount token the world's TokenReview trusts (what the cluster's API server issues).</summary>
        public string MintServiceAccountToken(string serviceAccountNamespace, string serviceAccount) =>
            _issuer.MintServiceAccountToken(new ServiceAccountIdentity(serviceAccountNamespace, serviceAccount), audience: Topology.Kubernetes.Audience);

        public TopologySpec Topology { get; }

        public static async Task<VsoWorld> StartAsync(SandboxHandle sbx, SandboxTestHome home, string objects, CancellationToken cancellationToken)
        {
            var topology = TopologyLoader.Load(TopologyWorkspace.FixtureTopology);
            var issuer = new SandboxJwtIssuer(topology.Jwt.BoundIssuer ?? "https://sandbox.invalid");
            var reviewer = TokenReviewServer.Start(issuer);
            var options = new ReplayOptions
            {
                Postgres = sbx.Postgres,
                KubernetesHost = reviewer.Address.ToString().TrimEnd('/'),
                SandboxEndpoints = [reviewer.Address],
                KubernetesCaCert = reviewer.CaCertificatePem,
                JwtValidationPubkeys = [issuer.PublicKeyPem],
            };
            await new TopologyReplayer(sbx.Root, home.Guard).ReplayAsync(topology, options, cancellationToken);
            var app = topology.Apps.Single(a => a.Slug == "webapp");
            var vso = new FakeVaultSecretsOperator(sbx.Unauthenticated, home.Guard, objects, app.Slug, topology.Kubernetes.Path, app.KubernetesRole.Name,
                () => issuer.MintServiceAccountToken(new ServiceAccountIdentity(app.Namespace, app.ServiceAccount), audience: topology.Kubernetes.Audience),
                (sbx.Postgres.Host, sbx.Postgres.Port));
            return new VsoWorld(issuer, reviewer, vso, topology);
        }

        public async ValueTask DisposeAsync()
        {
            await _reviewer.DisposeAsync();
            _issuer.Dispose();
        }
    }
}
