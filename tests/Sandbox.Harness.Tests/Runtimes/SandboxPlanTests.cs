using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using NUnit.Framework;
using Sandbox.Harness.Guard;
using Sandbox.Harness.Runtimes;
using Sandbox.Harness.Runtimes.Docker;
using Sandbox.Harness.Runtimes.Plan;
using Sandbox.Harness.Tests.Topology;
using Sandbox.Harness.Topology;

namespace Sandbox.Harness.Tests.Runtimes;

/// <summary>
/// <c>up --plan DIR</c> on every runtime: the runtime's own up code runs in plan mode, so the plan
/// holds exactly the commands, files and Vault writes a real run would make; nothing starts, no
/// sandbox state is left, and a command the guard refuses leaves the folder unwritten.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class SandboxPlanTests
{
    private string _root = null!;
    private SandboxManager _manager = null!;
    private GuardAuditLog _audit = null!;

    [SetUp]
    public void SetUp()
    {
        _root = Path.Combine(Path.GetTempPath(), "sandbox-plan-tests-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(_root);
        _audit = GuardAuditLog.InMemory();
        _manager = new SandboxManager(new SandboxGuard(Denylist.BuiltIn, _audit), Path.Combine(_root, "home"));
    }

    [TearDown]
    public void TearDown()
    {
        _audit.Dispose();
        Directory.Delete(_root, recursive: true);
    }

    private string PlanFolder => Path.Combine(_root, "plan");

    private static TopologySpec Topology => TopologyLoader.Load(TopologyWorkspace.FixtureTopology);

    [TestCase(RuntimeKind.K3d)]
    [TestCase(RuntimeKind.Docker)]
    [TestCase(RuntimeKind.Process)]
    [CancelAfter(60000)]
    public async Task Plan_WritesPlanJsonInTheContractShape_EveryListedFile_AndNoSandboxState(RuntimeKind runtime, CancellationToken cancellationToken)
    {
        var plan = await SandboxPlanner.PlanAsync(_manager, new SandboxOptions { Runtime = runtime, Name = "lab-1" }, PlanFolder, Topology, cancellationToken);

        var json = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(PlanFolder, "plan.json"), cancellationToken))!.AsObject();
        Assert.Multiple(() =>
        {
            Assert.That(json.Select(p => p.Key), Is.EqualTo(new[] { "runtime", "commands", "files", "vaultWrites" }));
            Assert.That(json["runtime"]!.GetValue<string>(), Is.EqualTo(runtime.ToString().ToLowerInvariant()));
            Assert.That(json["commands"]!.AsArray(), Is.Not.Empty);
            foreach (var command in json["commands"]!.AsArray())
            {
                Assert.That(command!.AsObject().Select(p => p.Key), Is.EqualTo(new[] { "argv", "stdin" }));
                Assert.That(command["argv"]!.AsArray().Select(a => a!.GetValue<string>()).First(), Does.Not.Contain('/'), "argv[0] is the tool's name, not a path");
                if (command["stdin"] is { } stdin)
                {
                    Assert.That(File.Exists(Path.Combine(PlanFolder, stdin.GetValue<string>())), Is.True, $"stdin file {stdin} is in the plan folder");
                }
            }

            foreach (var file in json["files"]!.AsArray())
            {
                Assert.That(File.Exists(Path.Combine(PlanFolder, file!.GetValue<string>())), Is.True, $"{file} was written");
            }

            foreach (var write in json["vaultWrites"]!.AsArray())
            {
                Assert.That(write!.AsObject().Select(p => p.Key), Is.EqualTo(new[] { "path", "body" }));
            }

            Assert.That(json["vaultWrites"]!.AsArray().Select(w => w!["path"]!.GetValue<string>()),
                Is.SupersetOf(new[] { "sys/init", "sys/unseal", "sys/mounts/kvv2", "sys/auth/kubernetes", "postgres/config/postgres", "postgres/roles/webapp", "kvv2/data/webapp/config" }));
            Assert.That(plan.Files, Is.EqualTo(json["files"]!.AsArray().Select(f => f!.GetValue<string>())));
            Assert.That(Directory.Exists(Path.Combine(_root, "home", ".sandbox")), Is.False, "no sandbox state anywhere under the home");
            Assert.That(File.Exists(Path.Combine(PlanFolder, "sandbox.json")), Is.False, "no state file in the plan either");
            Assert.That(_manager.List(), Is.Empty);
        });
    }

    [TestCase(RuntimeKind.K3d)]
    [TestCase(RuntimeKind.Docker)]
    [TestCase(RuntimeKind.Process)]
    [CancelAfter(60000)]
    public async Task Plan_ShowsEverySecretAsRedacted(RuntimeKind runtime, CancellationToken cancellationToken)
    {
        await SandboxPlanner.PlanAsync(_manager, new SandboxOptions { Runtime = runtime, Name = "lab-1" }, PlanFolder, Topology, cancellationToken);
        var json = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(PlanFolder, "plan.json"), cancellationToken))!;
        var writes = json["vaultWrites"]!.AsArray().Select(w => w!.AsObject()).ToList();

        Assert.Multiple(() =>
        {
            Assert.That(writes.Single(w => w["path"]!.GetValue<string>() == "sys/unseal")["body"]!["key"]!.GetValue<string>(), Is.EqualTo(SandboxPlan.Redacted));
            Assert.That(writes.Single(w => w["path"]!.GetValue<string>() == "postgres/config/postgres")["body"]!["password"]!.GetValue<string>(), Is.EqualTo(SandboxPlan.Redacted));
            Assert.That(writes.Single(w => w["path"]!.GetValue<string>() == "kvv2/data/webapp/config")["body"]!["data"]!.AsObject().Select(p => p.Value!.GetValue<string>()),
                Has.All.EqualTo(SandboxPlan.Redacted), "seed values are shown redacted");
        });

        // No 32-character generated password anywhere in what was written.
        foreach (var file in Directory.EnumerateFiles(PlanFolder, "*", SearchOption.AllDirectories))
        {
            var text = await File.ReadAllTextAsync(file, cancellationToken);
            Assert.That(text, Does.Not.Match("password[^\\n]*[A-Za-z0-9]{32}"), file);
        }
    }

    [Test]
    [CancelAfter(60000)]
    public async Task Plan_Process_RecordsTheVaultCommandItself_NoShell(CancellationToken cancellationToken)
    {
        var plan = await SandboxPlanner.PlanAsync(_manager, new SandboxOptions { Runtime = RuntimeKind.Process, Name = "lab-1" }, PlanFolder, Topology, cancellationToken);

        var vault = plan.Commands.Select(c => c.Argv).Single(a => a.Count >= 3 && a[^3] == "server" && a[^2] == "-config");
        Assert.Multiple(() =>
        {
            Assert.That(vault[0], Is.AnyOf("vault", "bao", "dotnet"), "the program itself");
            Assert.That(vault[^1], Is.EqualTo(Path.Combine(PlanFolder, "vault.hcl")));
            Assert.That(plan.Commands.Select(c => c.Argv[0]).Intersect(["sh", "bash", "dash", "setsid"]), Is.Empty, "no shell is planned");
            Assert.That(plan.Commands.SelectMany(c => c.Argv), Has.None.Contains("setsid").And.None.Contains("exec "), "no launcher script in any argument");
        });
    }

    [Test]
    [CancelAfter(60000)]
    public async Task Plan_K3d_RendersTheClusterConfigValuesAndManifests_ThatTheCommandsApply(CancellationToken cancellationToken)
    {
        var plan = await SandboxPlanner.PlanAsync(_manager, new SandboxOptions { Runtime = RuntimeKind.K3d, Name = "lab-1" }, PlanFolder, Topology, cancellationToken);

        var argv = plan.Commands.Select(c => string.Join(' ', c.Argv)).ToList();
        var cluster = await File.ReadAllTextAsync(Path.Combine(PlanFolder, "k3d-cluster.yaml"), cancellationToken);
        var values = await File.ReadAllTextAsync(Path.Combine(PlanFolder, "helm", "hashicorp-vault.values.yaml"), cancellationToken);
        Assert.Multiple(() =>
        {
            Assert.That(plan.Files, Is.SupersetOf(new[] { "k3d-cluster.yaml", "helm/hashicorp-vault.values.yaml", "helm/vault-secrets-operator.values.yaml", "manifests/postgres.yaml", "manifests/postgres-superuser.yaml" }));
            Assert.That(argv.Take(2), Is.EqualTo(new[] { "docker version --format {{.Server.APIVersion}}", "k3d version" }), "preflight's calls first");
            Assert.That(argv[2], Is.EqualTo($"k3d cluster create --config {PlanFolder}/k3d-cluster.yaml --kubeconfig-update-default=false --kubeconfig-switch-context=false"));
            Assert.That(argv, Has.Some.Contains($"apply -f {PlanFolder}/manifests/postgres.yaml"));
            Assert.That(plan.Commands.Single(c => c.Stdin is not null).Stdin, Is.EqualTo("manifests/postgres-superuser.yaml"));
            Assert.That(argv, Has.Some.Contains($"--values {PlanFolder}/helm/hashicorp-vault.values.yaml --set-string server.image.repository=hashicorp/vault --set-string server.image.tag=2.0.4"));
            Assert.That(argv, Has.Some.Contains($"vault-secrets-operator hashicorp/vault-secrets-operator --version {RuntimeVersions.VaultSecretsOperatorChartVersion}"));
            Assert.That(RuntimeVersions.VaultSecretsOperatorChartVersion, Is.EqualTo("1.4.1"));
            Assert.That(cluster, Does.Contain("name: lab-1").And.Contain($"image: {RuntimeVersions.K3sImage}").And.Contain("nodeFilters: [server:0:direct]"));
            Assert.That(cluster, Does.Not.Contain("nodeFilters: [server:0]\n"), "no proxy-type port with the load balancer disabled");
            Assert.That(cluster, Does.Not.Match(@"\$\{[A-Z0-9_]+\}"), "every placeholder filled");
            Assert.That(values, Does.Contain("repository: \"hashicorp/vault\"").And.Contain("tag: \"2.0.4\""), "the --set-string values merged into the one values file");
            Assert.That(argv.Where(a => a.StartsWith("kubectl", StringComparison.Ordinal) || a.StartsWith("helm", StringComparison.Ordinal)),
                Has.All.Contain($"--kubeconfig {PlanFolder}/kubeconfig"), "every kubectl/helm call names the private kubeconfig");
        });
    }

    [Test]
    [CancelAfter(60000)]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task Plan_K3d_ListsThePreflightCallsTheRealRunMakes_InItsOrder_AndRunsNone(CancellationToken cancellationToken)
    {
        // k3d, kubectl, helm and docker that note every start and answer as a healthy machine's do:
        // what a real preflight starts is the list the plan must begin with; the plan itself starts nothing.
        var tools = Path.Combine(_root, "tools");
        Directory.CreateDirectory(tools);
        var started = Path.Combine(tools, "started.log");
        foreach (var tool in new[] { "k3d", "kubectl", "helm", "docker" })
        {
            File.WriteAllText(Path.Combine(tools, tool),
                $"#!/bin/sh\necho \"{tool} $*\" >> '{started}'\ncase \"$*\" in\n  'version --format'*) echo 1.41 ;;\n  version) echo 'k3d version v{RuntimeVersions.K3dVersion}' ;;\nesac\nexit 0\n");
            File.SetUnixFileMode(Path.Combine(tools, tool), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        var preflight = await new Sandbox.Harness.Runtimes.K3d.K3dRuntime(toolDirectory: tools, guard: _manager.Guard).PreflightAsync(new SandboxOptions { Runtime = RuntimeKind.K3d }, cancellationToken);
        var realCalls = File.ReadAllLines(started);
        File.Delete(started);

        var manager = new SandboxManager(_manager.Guard, Path.Combine(_root, "home")) { RuntimeFactory = _ => new Sandbox.Harness.Runtimes.K3d.K3dRuntime(toolDirectory: tools, guard: _manager.Guard) };
        var plan = await SandboxPlanner.PlanAsync(manager, new SandboxOptions { Runtime = RuntimeKind.K3d, Name = "lab-1" }, PlanFolder, null, cancellationToken);
        var argv = plan.Commands.Select(c => string.Join(' ', c.Argv)).ToList();
        var json = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(PlanFolder, "plan.json"), cancellationToken))!;
        var planned = json["commands"]!.AsArray().Select(c => string.Join(' ', c!["argv"]!.AsArray().Select(a => a!.GetValue<string>()))).ToList();

        Assert.Multiple(() =>
        {
            Assert.That(preflight.Usable, Is.True, string.Join("; ", preflight.Problems.Select(p => p.What + ": " + p.Detail)));
            Assert.That(realCalls, Is.EqualTo(new[] { "docker version --format {{.Server.APIVersion}}", "k3d version" }), "what the real preflight starts");
            Assert.That(planned.Take(realCalls.Length), Is.EqualTo(realCalls), "plan.json's commands begin with the same calls, in the same order");
            Assert.That(planned, Is.EqualTo(argv));
            Assert.That(argv[realCalls.Length], Does.StartWith("k3d cluster create --config "), "then up's own first command");
            Assert.That(File.Exists(started), Is.False, "the plan started no tool");
        });
    }

    [Test]
    [CancelAfter(60000)]
    public async Task Plan_K3dWithCharts_InstallsTheLocalArchives_AndAddsNoRepository(CancellationToken cancellationToken)
    {
        var charts = Path.Combine(_root, "charts");
        var plan = await SandboxPlanner.PlanAsync(_manager, new SandboxOptions { Runtime = RuntimeKind.K3d, Name = "lab-1", ChartsDirectory = charts }, PlanFolder, null, cancellationToken);
        var argv = plan.Commands.Select(c => string.Join(' ', c.Argv)).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(argv, Has.None.Contains("repo add"));
            Assert.That(argv, Has.Some.Contains($"upgrade --install hashicorp-vault {charts}/vault-0.34.1.tgz --namespace tools"));
            Assert.That(argv, Has.Some.Contains($"upgrade --install vault-secrets-operator {charts}/vault-secrets-operator-1.4.1.tgz --namespace"));
            Assert.That(plan.VaultWrites.Select(w => w.Path), Is.EqualTo(new[] { "sys/init", "sys/unseal" }), "--no-replay: only init and unseal");
        });
    }

    [Test]
    [CancelAfter(60000)]
    public async Task Plan_Docker_HasTheDockerRuntimesOwnCommandLinesAndVaultConfig(CancellationToken cancellationToken)
    {
        var plan = await SandboxPlanner.PlanAsync(_manager, new SandboxOptions { Runtime = RuntimeKind.Docker, Name = "lab-1", PostgresImage = "postgres:15" }, PlanFolder, null, cancellationToken);
        var argv = plan.Commands.Select(c => string.Join(' ', c.Argv)).ToList();
        var hcl = await File.ReadAllTextAsync(Path.Combine(PlanFolder, "vault.hcl"), cancellationToken);
        Assert.Multiple(() =>
        {
            Assert.That(argv.Where(a => a.StartsWith("docker volume create ", StringComparison.Ordinal) && a.Contains(" sandbox-lab-1-", StringComparison.Ordinal)), Has.Exactly(3).Items,
                "PostgreSQL's data, Vault's storage and the image's /vault/logs: no anonymous volume");
            Assert.That(argv, Has.Some.StartWith("docker run -d --name sandbox-lab-1-postgres ").And.Contain($"--env-file {PlanFolder}/postgres.env").And.Contain("postgres:15 -c listen_addresses=127.0.0.1 -c port="));
            Assert.That(argv, Has.Some.StartWith("docker run -d --name sandbox-lab-1-vault ").And.Contain("-e SKIP_SETCAP=true").And.Contain($"{PlanFolder}/vault.hcl:/sandbox/vault.hcl:ro,z")
                .And.Contain("-v sandbox-lab-1-vault-data:/vault/file").And.Contain("-v sandbox-lab-1-vault-vault-logs:/vault/logs").And.Contain(RuntimeVersions.VaultImage));
            Assert.That(hcl, Does.Contain("storage \"file\"").And.Contain("path = \"/vault/file\"").And.Contain("address         = \"127.0.0.1:")
                .And.Contain("cluster_address = \"127.0.0.1:").And.Contain("cluster_addr  = \"https://127.0.0.1:"), "a reserved cluster port, not the API port + 1 that another sandbox may hold");
            Assert.That(File.ReadAllText(Path.Combine(PlanFolder, "postgres.env")), Does.Contain($"POSTGRES_PASSWORD={SandboxPlan.Redacted}")
                .And.Contain("POSTGRES_INITDB_ARGS=--auth-host=scram-sha-256").And.Contain("POSTGRES_HOST_AUTH_METHOD=scram-sha-256"));
        });
    }

    [Test]
    [CancelAfter(60000)]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task Plan_Docker_ListsEveryDockerCallOfAFirstUp_InOrder_AndRunsNone(CancellationToken cancellationToken)
    {
        // A docker CLI that notes every start: the plan must start none. The cache folder (the template's
        // build lock, the remembered answers of Vault images) must not even be made.
        var tools = Path.Combine(_root, "tools");
        Directory.CreateDirectory(tools);
        var started = Path.Combine(tools, "started.log");
        File.WriteAllText(Path.Combine(tools, "docker"), $"#!/bin/sh\necho \"docker $*\" >> '{started}'\nexit 0\n");
        File.SetUnixFileMode(Path.Combine(tools, "docker"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var cache = Path.Combine(_root, "cache");
        var savedCache = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
        Environment.SetEnvironmentVariable("XDG_CACHE_HOME", cache);
        try
        {
            var manager = new SandboxManager(_manager.Guard, Path.Combine(_root, "home")) { RuntimeFactory = _ => new DockerRuntime(tools, _manager.Guard) };
            var options = new SandboxOptions { Runtime = RuntimeKind.Docker, Name = "lab-1", PostgresImage = "postgres:15" };
            var vault = DockerRuntime.VaultImageFor(options);
            var plan = await SandboxPlanner.PlanAsync(manager, options, PlanFolder, null, cancellationToken);

            var argv = plan.Commands.Select(c => string.Join(' ', c.Argv)).ToList();
            var template = "sandbox-pgtemplate-" + PostgresTemplateVolume.PlannedKey;
            var templateLabels = $"--label sandbox.managed=true --label sandbox.template=postgres --label sandbox.template-key={PostgresTemplateVolume.PlannedKey} --label sandbox.template-image=postgres:15";
            const string Labels = @"(--label sandbox\.[a-z]+=\S+ )+";
            const string ImageAndVolumes = "{{.Id}}|{{range $path, $_ := .Config.Volumes}}{{$path}} {{end}}";
            string Exactly(string line) => "^" + Regex.Escape(line) + "$";
            string[] expected =
            [
                // Preflight: the daemon, its host networking, each image (the Vault image's binary asked what it is), leftovers of the name.
                Exactly("docker version --format {{.Server.APIVersion}}"),
                Exactly("docker info --format {{.OperatingSystem}}|{{json .SecurityOptions}}"),
                Exactly($"docker image inspect --format {{{{.Id}}}} {vault}"),
                Exactly($"docker run --rm --network none -e SKIP_SETCAP=true -e SKIP_CHOWN=true {vault} version"),
                Exactly("docker image inspect --format {{.Id}} postgres:15"),
                "^" + Regex.Escape("docker volume ls --filter name=sandbox-lab-1- --format {{.Name}}\t"),
                "^" + Regex.Escape("docker ps -a --filter name=sandbox-lab-1- --format {{.Names}}\t"),
                // PostgreSQL: its image, then the template a first up on this daemon builds.
                Exactly($"docker image inspect --format {ImageAndVolumes} postgres:15"),
                Exactly($"docker volume ls --filter label=sandbox.template-key={PostgresTemplateVolume.PlannedKey} --format {{{{.Name}}}}"),
                Exactly($"docker volume ls --filter label=sandbox.template-key={PostgresTemplateVolume.PlannedKey} --format {{{{.Name}}}}"),
                Exactly($"docker rm -f -v {template}-build"),
                Exactly($"docker volume rm -f {template}"),
                Exactly($"docker volume create {templateLabels} {template}"),
                Exactly($"docker run -d --name {template}-build --network none {templateLabels} --env-file {cache}/sandbox/docker-postgres-template/{PostgresTemplateVolume.PlannedKey}.<random>.env -v {template}:/var/lib/postgresql/data postgres:15 -c listen_addresses="),
                Exactly($"docker logs {template}-build"),
                Exactly($"docker stop -t 60 {template}-build"),
                Exactly($"docker inspect --type container --format {{{{.State.ExitCode}}}} {template}-build"),
                Exactly($"docker rm -v {template}-build"),
                Exactly($"docker volume create {templateLabels} {template}-ready"),
                // The sandbox's own PostgreSQL.
                "^docker volume create " + Labels + "sandbox-lab-1-postgres-data$",
                "^docker run -d --name sandbox-lab-1-postgres --network host " + Labels + ".* -v " + Regex.Escape(template + ":/sandbox/postgres-template:ro") + " .*postgres:15 -c listen_addresses=127.0.0.1 -c port=[0-9]+$",
                // The sandbox's own Vault.
                Exactly("docker inspect --type container --format {{.Id}} sandbox-lab-1-vault"),
                Exactly($"docker image inspect --format {ImageAndVolumes} {vault}"),
                "^docker volume create " + Labels + "sandbox-lab-1-vault-data$",
                "^docker volume create " + Labels + "sandbox-lab-1-vault-vault-logs$",
                "^docker run -d --name sandbox-lab-1-vault --network host .* " + Regex.Escape(vault) + " server -config=/sandbox/vault.hcl$",
                Exactly("docker inspect --type container --format {{.State.Running}} sandbox-lab-1-vault"),
            ];

            Assert.Multiple(() =>
            {
                for (var i = 0; i < Math.Min(argv.Count, expected.Length); i++)
                {
                    Assert.That(argv[i], Does.Match(expected[i]), $"command {i}");
                }

                Assert.That(argv, Has.Count.EqualTo(expected.Length), string.Join('\n', argv));
                Assert.That(File.Exists(started), Is.False, "no docker process was started");
                Assert.That(Directory.Exists(cache), Is.False, "no lock, env file or remembered answer was written");
                Assert.That(Directory.Exists(Path.Combine(_root, "home", ".sandbox")), Is.False, "no sandbox state");
                Assert.That(plan.Files, Is.EquivalentTo(new[] { "postgres.env", "postgres-start.sh", "vault.hcl" }), "every file is in the plan folder");
            });
        }
        finally
        {
            Environment.SetEnvironmentVariable("XDG_CACHE_HOME", savedCache);
        }
    }

    [Test]
    [CancelAfter(60000)]
    public async Task Plan_Docker_OpenBao_StoresUnderOpenbaoFile(CancellationToken cancellationToken)
    {
        var plan = await SandboxPlanner.PlanAsync(_manager, new SandboxOptions { Runtime = RuntimeKind.Docker, Name = "lab-1", VaultImage = "openbao/openbao:2.1.0", PostgresImage = "postgres:15" }, PlanFolder, null, cancellationToken);
        var argv = plan.Commands.Select(c => string.Join(' ', c.Argv)).ToList();
        var hcl = await File.ReadAllTextAsync(Path.Combine(PlanFolder, "vault.hcl"), cancellationToken);
        Assert.Multiple(() =>
        {
            Assert.That(argv, Has.Some.StartWith("docker run -d --name sandbox-lab-1-vault ").And.Contain("-v sandbox-lab-1-vault-data:/openbao/file").And.Contain("-v sandbox-lab-1-vault-openbao-logs:/openbao/logs"));
            Assert.That(hcl, Does.Contain("path = \"/openbao/file\""));
        });
    }

    [TestCase(RuntimeKind.K3d)]
    [TestCase(RuntimeKind.Docker)]
    [CancelAfter(60000)]
    public void Plan_WithADenylistedImage_IsRefusedByTheGuard_AndWritesNothing(RuntimeKind runtime, CancellationToken cancellationToken)
    {
        var options = new SandboxOptions { Runtime = runtime, Name = "lab-1", VaultImage = "vault.arcodange.lab/hashicorp/vault:2.0.4" };

        var e = Assert.ThrowsAsync<GuardBlockedException>(() => SandboxPlanner.PlanAsync(_manager, options, PlanFolder, Topology, cancellationToken))!;

        Assert.Multiple(() =>
        {
            Assert.That(e.ExitCode, Is.EqualTo(ExitCode.GuardBlocked));
            Assert.That(e.Message, Does.Contain("vault.arcodange.lab"));
            Assert.That(Directory.Exists(PlanFolder), Is.False, "nothing written");
        });
    }

    [Test]
    [CancelAfter(30000)]
    public void Plan_IntoAFolderHoldingOtherFiles_IsRefused_WithTheFix(CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(PlanFolder);
        File.WriteAllText(Path.Combine(PlanFolder, "notes.txt"), "mine");

        var e = Assert.ThrowsAsync<SandboxPlanException>(() => SandboxPlanner.PlanAsync(_manager, new SandboxOptions { Runtime = RuntimeKind.K3d }, PlanFolder, null, cancellationToken))!;

        Assert.Multiple(() =>
        {
            Assert.That(e.ExitCode, Is.EqualTo(ExitCode.InvalidInput));
            Assert.That(e.Message, Does.Contain("notes.txt").And.Contain("empty or new folder"));
            Assert.That(Directory.EnumerateFileSystemEntries(PlanFolder), Has.Exactly(1).Items);
        });
    }

    [Test]
    [CancelAfter(30000)]
    public void Plan_K3d_WithAnAppNamespaceThatIsNotAKubernetesName_IsRefusedWithTheFix_AndWritesNothing(CancellationToken cancellationToken)
    {
        var topology = Topology;
        var bad = topology with { Apps = [topology.Apps[0] with { Namespace = "Web_App" }, .. topology.Apps.Skip(1)] };

        var e = Assert.ThrowsAsync<Sandbox.Harness.Runtimes.K3d.TopologyAppNameException>(
            () => SandboxPlanner.PlanAsync(_manager, new SandboxOptions { Runtime = RuntimeKind.K3d, Name = "lab-1" }, PlanFolder, bad, cancellationToken))!;

        Assert.Multiple(() =>
        {
            Assert.That(e.ExitCode, Is.EqualTo(ExitCode.InvalidInput));
            Assert.That(e.Message, Does.Contain("'Web_App'").And.Contain("DNS-1123").And.Contain("web-app").And.Contain("topology.yaml:"));
            Assert.That(Directory.Exists(PlanFolder), Is.False);
        });
    }

    [Test]
    [CancelAfter(60000)]
    public async Task Plan_K3d_InClusterWiring_NamesTheServicesTheClusterItselfRuns(CancellationToken cancellationToken)
    {
        // What replay writes for the Vault pod, checked against the objects the same plan creates: the
        // PostgreSQL Service of manifests/postgres.yaml, the Vault chart's Service (release and namespace
        // from the helm command), and the cluster's own API with Vault's ServiceAccount as reviewer.
        var plan = await SandboxPlanner.PlanAsync(_manager, new SandboxOptions { Runtime = RuntimeKind.K3d, Name = "lab-1" }, PlanFolder, Topology, cancellationToken);
        var service = Sandbox.Harness.Tests.Support.YamlJson.Documents(plan.FileContent("manifests/postgres.yaml")!).Single(d => d!["kind"]!.GetValue<string>() == "Service")!;
        var postgresService = $"{service["metadata"]!["name"]}.{service["metadata"]!["namespace"]}.svc.cluster.local:{service["spec"]!["ports"]![0]!["port"]}";
        var helm = plan.Commands.Select(c => c.Argv.ToList()).Single(a => a.Contains("hashicorp/vault") || a.Any(x => x.EndsWith("vault-0.34.1.tgz", StringComparison.Ordinal)));
        var release = helm[helm.IndexOf("--install") + 1];
        var vaultNamespace = helm[helm.IndexOf("--namespace") + 1];

        var database = plan.VaultWrites.Single(w => w.Path == "postgres/config/postgres").Body!;
        var kubernetes = plan.VaultWrites.Single(w => w.Path == "auth/kubernetes/config").Body!;
        var app = Sandbox.Harness.Tests.Support.YamlJson.Documents(plan.FileContent("manifests/app-webapp.yaml")!).Select(d => d!).ToList();
        var connection = app.Single(d => d["kind"]!.GetValue<string>() == "VaultConnection");
        var deployment = app.Single(d => d["kind"]!.GetValue<string>() == "Deployment");
        var pgHost = deployment["spec"]!["template"]!["spec"]!["containers"]![0]!["env"]!.AsArray().Single(e => e!["name"]!.GetValue<string>() == "PGHOST")!["value"]!.GetValue<string>();
        var url = new Uri(database["connection_url"]!.GetValue<string>().Replace("{{username}}:{{password}}@", string.Empty, StringComparison.Ordinal));

        Assert.Multiple(() =>
        {
            Assert.That($"{url.Host}:{url.Port}", Is.EqualTo(postgresService), "Vault dials the sandbox's PostgreSQL Service by its cluster name");
            Assert.That(pgHost + ":5432", Is.EqualTo(postgresService), "and so does the stand-in app");
            Assert.That(kubernetes["kubernetes_host"]!.GetValue<string>(), Is.EqualTo("https://kubernetes.default.svc"), "the cluster's own API");
            Assert.That(kubernetes.ContainsKey("kubernetes_ca_cert"), Is.False, "no CA given: Vault uses its pod's");
            Assert.That(kubernetes.ContainsKey("token_reviewer_jwt"), Is.False, "no reviewer token given: Vault's own ServiceAccount reviews (the chart's auth-delegator binding)");
            Assert.That(kubernetes["disable_local_ca_jwt"]?.GetValue<bool>() ?? false, Is.False, "the pod's own CA and token are used");
            Assert.That(connection["spec"]!["address"]!.GetValue<string>(), Is.EqualTo($"http://{release}.{vaultNamespace}.svc.cluster.local:8200"), "VSO reaches the chart's Vault Service");
        });
    }

    [Test]
    public void ConfigGuard_InCluster_AcceptsOnlyTheServicesTheSandboxRuns_AndStillRefusesTheDenylist()
    {
        var topology = Topology;
        var inCluster = new Sandbox.Harness.Replay.ReplayOptions
        {
            ConnectionUrl = "postgresql://{{username}}:{{password}}@postgres.tools.svc.cluster.local:5432/postgres",
            KubernetesHost = "https://kubernetes.default.svc",
            InCluster = true,
            InClusterServices = ["postgres.tools.svc.cluster.local", "kubernetes.default.svc"],
        };

        Assert.Multiple(() =>
        {
            Assert.DoesNotThrow(() => Sandbox.Harness.Replay.TopologyReplayer.Validate(topology, inCluster, _manager.Guard));
            Assert.Throws<Sandbox.Harness.Replay.ReplayConfigGuardException>(
                () => Sandbox.Harness.Replay.TopologyReplayer.Validate(topology, inCluster with { InCluster = false }, _manager.Guard),
                "from the host's view a cluster name is not loopback: refused");
            Assert.Throws<Sandbox.Harness.Replay.ReplayConfigGuardException>(
                () => Sandbox.Harness.Replay.TopologyReplayer.Validate(topology, inCluster with { KubernetesHost = "https://vault.arcodange.lab" }, _manager.Guard),
                "a denylisted host is refused in-cluster too");
            Assert.Throws<Sandbox.Harness.Replay.ReplayConfigGuardException>(
                () => Sandbox.Harness.Replay.TopologyReplayer.Validate(topology, inCluster with { KubernetesHost = "https://api.example.com" }, _manager.Guard),
                "only cluster service names are accepted in-cluster, not any host");
            Assert.Throws<Sandbox.Harness.Replay.ReplayConfigGuardException>(
                () => Sandbox.Harness.Replay.TopologyReplayer.Validate(topology, inCluster with { KubernetesHost = "https://vault-proxy.other.svc" }, _manager.Guard),
                "a cluster name the sandbox does not run (another service, an ExternalName alias) is refused");
        });
    }

    [Test]
    [CancelAfter(30000)]
    public void Plan_WithoutAChosenRuntime_IsRefused(CancellationToken cancellationToken)
    {
        var e = Assert.ThrowsAsync<SandboxPlanException>(() => SandboxPlanner.PlanAsync(_manager, new SandboxOptions(), PlanFolder, null, cancellationToken))!;
        Assert.That(e.Message, Does.Contain("--runtime process, docker or k3d"));
    }
}
