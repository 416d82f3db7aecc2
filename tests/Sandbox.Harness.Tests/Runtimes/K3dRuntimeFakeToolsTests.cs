using System.Text.Json;
using CliWrap;
using CliWrap.Buffered;
using NUnit.Framework;
using Sandbox.Harness.Runtimes;
using Sandbox.Harness.Runtimes.K3d;
using Sandbox.Harness.Runtimes.Process;

namespace Sandbox.Harness.Tests.Runtimes;

/// <summary>
/// The k3d runtime driven against fake k3d/kubectl/helm/docker scripts (in a tool directory given to
/// the runtime; the test process's PATH is not touched) that record argv, environment and stdin and
/// print canned output. Vault's NodePort is played by a real Vault double listening on the port the
/// cluster config maps, so init, key file and unseal run for real.
/// </summary>
[TestFixture]
[NonParallelizable]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed partial class K3dRuntimeFakeToolsTests
{
    private const string ProductionVaultAddr = "https://vault.arcodange.lab";
    private string _tools = null!;
    private string _calls = null!;
    private string? _savedVaultAddr;
    private string? _savedKubeconfig;

    [SetUp]
    public void SetUp()
    {
        _tools = Path.Combine(Path.GetTempPath(), "sandbox-fake-tools-" + Guid.NewGuid().ToString("N")[..8]);
        _calls = Path.Combine(_tools, "calls");
        Directory.CreateDirectory(_calls);
        foreach (var tool in new[] { "k3d", "kubectl", "helm", "docker" })
        {
            WriteFake(tool);
        }

        // The parent has production settings; the children must never see them.
        _savedVaultAddr = Environment.GetEnvironmentVariable("VAULT_ADDR");
        _savedKubeconfig = Environment.GetEnvironmentVariable("KUBECONFIG");
        Environment.SetEnvironmentVariable("VAULT_ADDR", ProductionVaultAddr);
        Environment.SetEnvironmentVariable("KUBECONFIG", "/root/.kube/config");
    }

    [TearDown]
    public void TearDown()
    {
        Environment.SetEnvironmentVariable("VAULT_ADDR", _savedVaultAddr);
        Environment.SetEnvironmentVariable("KUBECONFIG", _savedKubeconfig);
        Directory.Delete(_tools, recursive: true);
    }

    [Test]
    [CancelAfter(30000)]
    public async Task Preflight_WithAnEmptyToolDirectory_NamesEachMissingToolAndHowToGetIt(CancellationToken cancellationToken)
    {
        var empty = Path.Combine(_tools, "empty");
        Directory.CreateDirectory(empty);
        var runtime = new K3dRuntime(toolDirectory: empty);

        var preflight = await runtime.PreflightAsync(new SandboxOptions(), cancellationToken);

        Assert.Multiple(() =>
        {
            Assert.That(preflight.Usable, Is.False);
            Assert.That(preflight.Problems.Select(p => p.What), Is.SupersetOf(new[] { "k3d", "kubectl", "helm", "docker" }));
            Assert.That(preflight.Problems.All(p => p.HowToGet.Length > 0), Is.True);
        });
    }

    [Test]
    [CancelAfter(30000)]
    public async Task Preflight_WithTheFakes_IsUsableAndReportsTheDaemonsApiVersion(CancellationToken cancellationToken)
    {
        var runtime = new K3dRuntime(toolDirectory: _tools);
        var preflight = await runtime.PreflightAsync(new SandboxOptions(), cancellationToken);
        Assert.Multiple(() =>
        {
            Assert.That(preflight.Usable, Is.True, string.Join("; ", preflight.Problems.Select(p => p.What + ": " + p.Detail)));
            Assert.That(preflight.Found, Has.Some.Contains("API 1.41"));
        });
    }

    [Test]
    [CancelAfter(30000)]
    public async Task FakeK3d_RefusesAProxyPortWithTheLoadBalancerDisabled_AsK3dDoes_AndAcceptsTheShippedConfig(CancellationToken cancellationToken)
    {
        var assets = Path.Combine(SandboxCheckout.FindRoot(TestContext.CurrentContext.TestDirectory)!, "k3d");
        var shipped = K3dRuntime.RenderClusterConfig(File.ReadAllText(Path.Combine(assets, "cluster.yaml")), new SandboxPaths(_tools, "lab"), "s-1", 6443, 8200, 5432);
        var oldForm = shipped.Replace("[server:0:direct]", "[server:0]", StringComparison.Ordinal);
        File.WriteAllText(Path.Combine(_tools, "shipped.yaml"), shipped);
        File.WriteAllText(Path.Combine(_tools, "old.yaml"), oldForm);

        var accepted = await Cli.Wrap(Path.Combine(_tools, "k3d")).WithArguments(["cluster", "create", "--config", Path.Combine(_tools, "shipped.yaml")])
            .WithValidation(CommandResultValidation.None).ExecuteBufferedAsync(cancellationToken);
        var refused = await Cli.Wrap(Path.Combine(_tools, "k3d")).WithArguments(["cluster", "create", "--config", Path.Combine(_tools, "old.yaml")])
            .WithValidation(CommandResultValidation.None).ExecuteBufferedAsync(cancellationToken);

        Assert.Multiple(() =>
        {
            Assert.That(accepted.ExitCode, Is.Zero, accepted.StandardError);
            Assert.That(refused.ExitCode, Is.Not.Zero);
            Assert.That(refused.StandardError, Does.Contain("port-mapping of type 'proxy' specified, but loadbalancer is disabled"));
        });
    }

    [Test]
    [CancelAfter(30000)]
    public async Task Preflight_WithK3dOlderThan550_IsNotUsable_AndNamesTheVersionFound(CancellationToken cancellationToken)
    {
        File.WriteAllText(Path.Combine(_tools, "k3d"), "#!/bin/bash\ncase \"$*\" in version) printf 'k3d version v5.4.6\\nk3s version v1.24.4-k3s1 (default)\\n' ;; esac\n");
        var preflight = await new K3dRuntime(toolDirectory: _tools).PreflightAsync(new SandboxOptions(), cancellationToken);

        var problem = preflight.Problems.SingleOrDefault(p => p.What.Contains("k3d v5.5.0", StringComparison.Ordinal));
        Assert.Multiple(() =>
        {
            Assert.That(preflight.Usable, Is.False);
            Assert.That(problem, Is.Not.Null, string.Join("; ", preflight.Problems.Select(p => p.What)));
            Assert.That(problem!.Detail, Does.Contain("found k3d v5.4.6"));
            Assert.That(problem.HowToGet, Does.Contain("v" + RuntimeVersions.K3dVersion));
        });
    }

    [Test]
    [CancelAfter(30000)]
    public async Task Preflight_WithAChartsFolderMissingAnArchiveOrHoldingTheWrongVersion_NamesEachAndHowToGetIt(CancellationToken cancellationToken)
    {
        var charts = Path.Combine(_tools, "charts");
        Directory.CreateDirectory(charts);
        await WriteChartArchiveAsync(Path.Combine(charts, "vault-0.34.1.tgz"), "vault", "0.33.0");
        await WriteChartArchiveAsync(Path.Combine(charts, "vault-secrets-operator-0.10.0.tgz"), "vault-secrets-operator", "0.10.0");

        var preflight = await new K3dRuntime(toolDirectory: _tools).PreflightAsync(new SandboxOptions { ChartsDirectory = charts }, cancellationToken);

        Assert.Multiple(() =>
        {
            Assert.That(preflight.Usable, Is.False);
            Assert.That(preflight.Problems.Select(p => p.What + " | " + p.Detail), Has.Some.Contains("vault-0.34.1.tgz | its Chart.yaml says version 0.33.0, not 0.34.1"));
            Assert.That(preflight.Problems.Select(p => p.What + " | " + p.Detail), Has.Some.Contains("vault-secrets-operator-1.4.1.tgz | ").And.Some.Contains("holds vault-secrets-operator-0.10.0.tgz, not version 1.4.1"));
            Assert.That(preflight.Problems.Where(p => p.What.Contains(".tgz", StringComparison.Ordinal)), Has.All.Matches<PreflightProblem>(p => p.HowToGet.Contains("helm pull", StringComparison.Ordinal)));
        });

        await WriteChartArchiveAsync(Path.Combine(charts, "vault-0.34.1.tgz"), "vault", "0.34.1");
        await WriteChartArchiveAsync(Path.Combine(charts, "vault-secrets-operator-1.4.1.tgz"), "vault-secrets-operator", "1.4.1");
        var fixedUp = await new K3dRuntime(toolDirectory: _tools).PreflightAsync(new SandboxOptions { ChartsDirectory = charts }, cancellationToken);
        Assert.That(fixedUp.Problems, Is.Empty, string.Join("; ", fixedUp.Problems.Select(p => p.What + ": " + p.Detail)));
    }

    private static async Task WriteChartArchiveAsync(string path, string name, string version)
    {
        // The layout 'helm package' writes: <name>/Chart.yaml inside a gzipped tar.
        await using var file = File.Create(path);
        await using var gzip = new System.IO.Compression.GZipStream(file, System.IO.Compression.CompressionLevel.Fastest);
        await using var tar = new System.Formats.Tar.TarWriter(gzip);
        var entry = new System.Formats.Tar.PaxTarEntry(System.Formats.Tar.TarEntryType.RegularFile, $"{name}/Chart.yaml")
        {
            DataStream = new MemoryStream(System.Text.Encoding.UTF8.GetBytes($"apiVersion: v2\nname: {name}\nversion: {version}\n")),
        };
        await tar.WriteEntryAsync(entry);
    }

    [Test]
    [CancelAfter(180000)]
    public async Task UpAndDown_RunTheExactCommandSequence_WithIsolationFlagsPrivateKubeconfigAndScrubbedEnvironment(CancellationToken cancellationToken)
    {
        SandboxTestHome.RequireProcessRuntime();
        var doubleLaunch = VaultBinaryLocator.FindDouble().Launch;
        Requires(doubleLaunch);
        await using var home = new SandboxTestHome();
        var apiPort = Sandbox.Harness.Runtimes.Internal.LoopbackPorts.Free();
        var vaultPort = Sandbox.Harness.Runtimes.Internal.LoopbackPorts.Free();
        var pgPort = Sandbox.Harness.Runtimes.Internal.LoopbackPorts.Free();
        var ports = new Queue<int>([apiPort, vaultPort, pgPort]);
        var manager = new SandboxManager(home.Guard, home.Folder)
        {
            RuntimeFactory = _ => new K3dRuntime(toolDirectory: _tools) { PortSource = () => ports.Dequeue() },
        };

        using var stopDouble = new CancellationTokenSource();
        // Vault answers only once its pod runs: the double starts after the fake's Pending answers.
        var doubleRun = StartDoubleWhenPodRunsAsync(doubleLaunch!, vaultPort, home.Folder, stopDouble.Token);
        try
        {
            var images = Path.Combine(_tools, "images");
            Directory.CreateDirectory(images);
            await File.WriteAllTextAsync(Path.Combine(images, "vault.tar"), "not a real image", cancellationToken);
            var sbx = await manager.UpAsync(new SandboxOptions { Runtime = RuntimeKind.K3d, Name = "k3d-fake", ImagesDirectory = images }, cancellationToken);
            var run = Path.Combine(home.Folder, ".sandbox", "k3d-fake");
            var kubeconfig = Path.Combine(run, "kubeconfig");
            var pgPassword = sbx.Postgres.SuperuserPassword;
            await using (sbx)
            {
                Assert.Multiple(async () =>
                {
                    Assert.That(sbx.Runtime, Is.EqualTo(RuntimeKind.K3d));
                    Assert.That(sbx.Vault.Kind, Is.EqualTo(VaultKind.Double), "what the pod's binary said ('vault version'), though the image is named hashicorp/vault");
                    Assert.That(sbx.Address.Port, Is.EqualTo(vaultPort));
                    Assert.That((await sbx.Unauthenticated.GetSealStatusAsync(cancellationToken)).Sealed, Is.False, "initialized and unsealed through the NodePort");
                    Assert.That(File.ReadAllText(kubeconfig), Does.Contain("fake-k3d-cluster"));
                    Assert.That(File.GetUnixFileMode(kubeconfig), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite));
                });

                var clusterYaml = await File.ReadAllTextAsync(Path.Combine(run, "k3d-cluster.yaml"), cancellationToken);
                Assert.Multiple(() =>
                {
                    Assert.That(clusterYaml, Does.Contain("name: k3d-fake"));
                    Assert.That(clusterYaml, Does.Contain($"hostPort: \"{apiPort}\"").And.Contain("hostIP: \"127.0.0.1\""));
                    Assert.That(clusterYaml, Does.Contain($"127.0.0.1:{vaultPort}:30820").And.Contain($"127.0.0.1:{pgPort}:30432"));
                    Assert.That(clusterYaml, Does.Contain("nodeFilters: [server:0:direct]").And.Contain($"image: {RuntimeVersions.K3sImage}"));
                    Assert.That(clusterYaml, Does.Contain("updateDefaultKubeconfig: false").And.Contain("switchCurrentContext: false"));
                    Assert.That(clusterYaml, Does.Contain($"sandbox.session={sbx.SessionId}").And.Contain("sandbox.managed=true"));
                    Assert.That(clusterYaml, Does.Not.Match(@"\$\{[A-Z_]+\}"), "every placeholder filled");
                });
            }

            var all = ReadCalls();
            Assert.That(all[0].Argv, Is.EqualTo("docker version --format {{.Server.APIVersion}}"), "preflight asks the daemon first");
            Assert.That(all[0].Env["KUBECONFIG"], Is.Empty, "preflight's child gets no kubeconfig at all");
            var calls = all.Skip(2).ToList();
            Assert.That(all[1].Argv, Is.EqualTo("k3d version"), "preflight reads k3d's version");
            var assets = Path.GetFullPath(Path.Combine(TestContext.CurrentContext.TestDirectory, "..", "..", "..", "..", "..", "k3d"));
            var kc = $"--kubeconfig {kubeconfig} --context k3d-k3d-fake";
            var hc = $"--kubeconfig {kubeconfig} --kube-context k3d-k3d-fake";
            var expected = new[]
            {
                $"k3d cluster create --config {run}/k3d-cluster.yaml --kubeconfig-update-default=false --kubeconfig-switch-context=false",
                "k3d kubeconfig get k3d-fake",
                $"k3d image import {images}/vault.tar --cluster k3d-fake",
                $"kubectl {kc} create namespace tools",
                $"kubectl {kc} apply -f -",
                $"kubectl {kc} apply -f {run}/manifests/postgres.yaml",
                $"kubectl {kc} -n tools rollout status statefulset/postgres --timeout=300s",
                $"helm {hc} repo add hashicorp https://helm.releases.hashicorp.com --force-update",
                $"helm {hc} upgrade --install hashicorp-vault hashicorp/vault --version 0.34.1 --namespace tools --create-namespace --values {run}/helm/hashicorp-vault.values.yaml --set-string server.image.repository=hashicorp/vault --set-string server.image.tag=2.0.4",
                $"helm {hc} upgrade --install vault-secrets-operator hashicorp/vault-secrets-operator --version 1.4.1 --namespace vault-secrets-operator-system --create-namespace --values {run}/helm/vault-secrets-operator.values.yaml",
            };
            var argv = calls.Select(c => c.Argv).ToList();
            Assert.That(argv.Take(expected.Length), Is.EqualTo(expected));
            Assert.That(argv.Skip(expected.Length).SkipLast(2), Has.All.StartWith($"kubectl {kc} -n tools get pod "), "then only pod status checks");
            Assert.That(argv[^2], Is.EqualTo($"kubectl {kc} -n tools exec hashicorp-vault-0 -c vault -- vault version"), "then the pod's binary says what it is");
            Assert.That(argv.Skip(expected.Length).Count(a => a.EndsWith("-o json", StringComparison.Ordinal)), Is.GreaterThan(PendingAnswers),
                "a Pending pod is 'not yet': up kept asking past the Pending answers instead of calling Vault dead");
            Assert.That(argv[^1], Is.EqualTo("k3d cluster delete k3d-fake"));
            Assert.That(assets, Does.EndWith("k3d"));

            Assert.Multiple(() =>
            {
                foreach (var call in calls)
                {
                    Assert.That(call.Env["KUBECONFIG"], Is.EqualTo(kubeconfig), $"{call.Argv}: private kubeconfig only");
                    Assert.That(call.Env["VAULT_ADDR"], Is.Empty, $"{call.Argv}: VAULT_ADDR scrubbed");
                    Assert.That(call.Env["HELM_CONFIG_HOME"], Does.StartWith(run), $"{call.Argv}: helm config in the run folder");
                    Assert.That(call.Argv, Does.Not.Contain("/root/.kube"));
                }
            });

            // The PostgreSQL password went through stdin, never argv.
            var stdin = await File.ReadAllTextAsync(Path.Combine(_calls, "stdin-7"), cancellationToken);
            Assert.That(stdin, Does.Contain("postgres-superuser").And.Contain(pgPassword));
            Assert.That(all.Select(c => c.Argv), Has.None.Contains(pgPassword));
            Assert.That(Directory.Exists(run), Is.False, "run folder removed by down");
        }
        finally
        {
            await stopDouble.CancelAsync();
            try
            {
                await doubleRun;
            }
            catch (OperationCanceledException)
            {
            }
        }
    }

    private static void Requires(VaultLaunch? launch) =>
        Sandbox.Tests.Shared.Requires.That(launch is not null, "the built Vault double", VaultBinaryLocator.BuildDoubleHint);

    private async Task StartDoubleWhenPodRunsAsync(VaultLaunch launch, int port, string folder, CancellationToken stop)
    {
        var asks = Path.Combine(_calls, "pod-asks");
        while (!(File.Exists(asks) && int.TryParse(File.ReadAllText(asks).Trim(), out var n) && n > PendingAnswers))
        {
            await Task.Delay(50, stop);
        }

        await StartDouble(launch, port, folder, stop);
    }

    private static CommandTask<CommandResult> StartDouble(VaultLaunch launch, int port, string folder, CancellationToken stop)
    {
        var dir = Path.Combine(folder, "double-for-k3d");
        Directory.CreateDirectory(dir);
        var config = Path.Combine(dir, "vault.hcl");
        File.WriteAllText(config, $"storage \"file\" {{ path = \"{dir}/data\" }}\nlistener \"tcp\" {{\n  address = \"127.0.0.1:{port}\"\n  tls_disable = true\n}}\ndisable_mlock = true\n");
        return Cli.Wrap(launch.FileName)
            .WithArguments([.. launch.PrefixArguments, "server", "-config", config])
            .WithValidation(CommandResultValidation.None)
            .WithStandardOutputPipe(PipeTarget.ToFile(Path.Combine(dir, "out.log")))
            .ExecuteAsync(stop);
    }

    private List<(string Argv, Dictionary<string, string> Env)> ReadCalls()
    {
        var result = new List<(string, Dictionary<string, string>)>();
        foreach (var line in File.ReadAllLines(Path.Combine(_calls, "calls.jsonl")))
        {
            using var doc = JsonDocument.Parse(line);
            var r = doc.RootElement;
            result.Add((r.GetProperty("argv").GetString()!, r.GetProperty("env").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString() ?? string.Empty)));
        }

        return result;
    }

    /// <summary>How many times the fake kubectl answers Pending for a pod before Running.</summary>
    private const int PendingAnswers = 7;

    private void WriteFake(string tool)
    {
        // Records one JSON line per call (argv joined by spaces, chosen variables), stdin of "-f -",
        // and answers as the real tools do for what Sandbox asks. Paths and tool names here contain
        // no quotes or backslashes. The rules each name their upstream source.
        var script = $$$"""
            #!/bin/bash
            calls='{{{_calls}}}'
            n=$(( $(cat "$calls/count" 2>/dev/null || echo 0) + 1 ))
            echo "$n" > "$calls/count"
            argv="{{{tool}}} $*"
            # JSON-escaped: a kubectl -o jsonpath template holds quotes and backslashes.
            json="${argv//\\/\\\\}"; json="${json//\"/\\\"}"
            printf '{"argv":"%s","env":{"KUBECONFIG":"%s","VAULT_ADDR":"%s","VAULT_TOKEN":"%s","HELM_CONFIG_HOME":"%s"}}\n' \
              "$json" "${KUBECONFIG:-}" "${VAULT_ADDR:-}" "${VAULT_TOKEN:-}" "${HELM_CONFIG_HOME:-}" >> "$calls/calls.jsonl"
            case "$argv" in
              *" -f -"*) cat > "$calls/stdin-$n" ;;
            esac
            vault_status() {
              # What 'vault status' answers, asked of the Vault the cluster config maps to NodePort 30820:
              # 0 unsealed, 2 sealed, 1 no answer.
              local port body
              port=$(grep -o '127.0.0.1:[0-9]*:30820' "$(cat "$calls/cluster-config" 2>/dev/null)" 2>/dev/null | cut -d: -f2)
              [ -n "$port" ] || return 1
              exec 3<>"/dev/tcp/127.0.0.1/$port" 2>/dev/null || return 1
              printf 'GET /v1/sys/seal-status HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' >&3
              body=$(cat <&3); exec 3>&-
              if echo "$body" | grep -Eq '"sealed": ?false'; then return 0; fi
              if echo "$body" | grep -Eq '"sealed": ?true'; then return 2; fi
              return 1
            }
            # The pod a 'get pod NAME' / 'delete pod NAME' names, and its state in the fake cluster: gone
            # after its StatefulSet was scaled to 0 (replicas/NS/STS holds 0), Pending from a scale to 1
            # until the fake cluster (the test) has started what it runs (pods/NS/POD holds Pending).
            pod_named() { local prev="" a; for a in "$@"; do [ "$prev" = "pod" ] && { echo "$a"; return; }; prev="$a"; done; }
            pod_ns() { local prev="" a; for a in "$@"; do [ "$prev" = "-n" ] && { echo "$a"; return; }; prev="$a"; done; }
            pod_gone() { [ "$(cat "$calls/replicas/$1/${2%-0}" 2>/dev/null)" = "0" ]; }
            pod_pending() { [ "$(cat "$calls/pods/$1/$2" 2>/dev/null)" = "Pending" ]; }
            case "$argv" in
              "docker version"*) echo "1.41" ;;
              "k3d version") printf 'k3d version v{{{RuntimeVersions.K3dVersion}}}\nk3s version v1.31.5-k3s1 (default)\n' ;;
              "k3d cluster create --config "*)
                # k3d v5.9.0 pkg/config/transform.go: a port whose node filter has no suffix is of type
                # 'proxy', which needs the load balancer; with disableLoadbalancer it refuses to create.
                config="${argv#k3d cluster create --config }"; config="${config%% *}"
                echo "$config" > "$calls/cluster-config"
                # k3d v5.9.0 pkg/config/validate.go ValidateClusterConfig -> pkg/client/clusterName.go CheckName:
                # the name must be an RFC 1123 host name of at most types.DefaultClusterNameMaxLength (32,
                # pkg/types/defaults.go) characters; cmd/cluster/clusterCreate.go exits fatally otherwise.
                name=$(awk '/^metadata:/{m=1;next} /^[a-z]/{m=0} m && $1=="name:"{print $2; exit}' "$config")
                if ! [[ "$name" =~ ^(([a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])\.)*([A-Za-z0-9]|[A-Za-z0-9][A-Za-z0-9-]*[A-Za-z0-9])$ ]]; then
                  echo "FATA[0000] Failed Cluster Configuration Validation: provided cluster name '$name' does not match requirements: Invalid cluster name. name $name is not a valid hostname as per RFC 1123" >&2
                  exit 1
                fi
                if [ "${#name}" -gt 32 ]; then
                  echo "FATA[0000] Failed Cluster Configuration Validation: provided cluster name '$name' does not match requirements: Cluster name must be <= 32 characters, but has ${#name}" >&2
                  exit 1
                fi
                if grep -q 'disableLoadbalancer: true' "$config" && awk '/^ports:/{p=1;next} /^[a-z]/{p=0} p' "$config" | grep -E 'nodeFilters: \[(server|agent|loadbalancer):[0-9*]+\]' >/dev/null; then
                  echo "FATA[0000] port-mapping of type 'proxy' specified, but loadbalancer is disabled" >&2
                  exit 1
                fi ;;
              "k3d kubeconfig get"*) printf 'apiVersion: v1\nkind: Config\nclusters:\n- name: fake-k3d-cluster\n' ;;
              "helm "*" repo add "*)
                # helm v3 cmd/helm/repo_add.go: 'repo add NAME URL' records the repository in
                # $HELM_CONFIG_HOME/repositories.yaml (helmpath.ConfigPath), where 'upgrade' looks it up.
                prev=""; name=""
                for a in "$@"; do [ "$prev" = "add" ] && name="$a"; prev="$a"; done
                mkdir -p "$HELM_CONFIG_HOME" && echo "- name: $name" >> "$HELM_CONFIG_HOME/repositories.yaml" ;;
              "helm "*" upgrade --install "*)
                # helm v3 cmd/helm/upgrade.go with --install and no release yet runs runInstall
                # (cmd/helm/install.go): the chart is located first (pkg/action/install.go
                # ChartPathOptions.LocateChart), then the values merged (pkg/cli/values/options.go
                # MergeValues: --values files, then --set-string); the first error is printed as
                # "Error: ..." on stderr with exit code 1.
                prev=""; release=""; chart=""; values=(); strings=()
                for a in "$@"; do
                  case "$prev" in
                    --install) release="$a" ;;
                    --values|-f) values+=("$a") ;;
                    --set-string) strings+=("$a") ;;
                    *) [ -n "$release" ] && [ -z "$chart" ] && [ "$prev" = "$release" ] && chart="$a" ;;
                  esac
                  prev="$a"
                done
                if [ -z "$chart" ] || [ "${chart#-}" != "$chart" ]; then echo 'Error: "helm upgrade" requires 2 arguments' >&2; exit 1; fi
                if [ ! -e "$chart" ]; then
                  # LocateChart: a path that does not exist (absolute, or starting with '.') is an error;
                  # REPO/CHART needs REPO in repositories.yaml (pkg/downloader/chart_downloader.go: "repo %s not found").
                  if [ "${chart#/}" != "$chart" ] || [ "${chart#.}" != "$chart" ]; then echo "Error: path \"$chart\" not found" >&2; exit 1; fi
                  repo="${chart%%/*}"
                  if ! grep -qx -- "- name: $repo" "$HELM_CONFIG_HOME/repositories.yaml" 2>/dev/null; then echo "Error: repo $repo not found" >&2; exit 1; fi
                fi
                for f in "${values[@]}"; do
                  # MergeValues reads each --values file (os.ReadFile).
                  if [ ! -r "$f" ]; then echo "Error: open $f: no such file or directory" >&2; exit 1; fi
                done
                for kv in "${strings[@]}"; do
                  # pkg/strvals ParseIntoString: each item is key=value; the parser reads a dotted key
                  # segment by segment, so a missing '=' is reported for the last segment (parser.key).
                  if [ "${kv#*=}" = "$kv" ]; then echo "Error: failed parsing --set-string data: key \"${kv##*[.,]}\" has no value" >&2; exit 1; fi
                done
                echo "Release \"$release\" does not exist. Installing it now." ;;
              *" scale statefulset/"*)
                # kubectl scale (k8s.io/kubectl pkg/cmd/scale/scale.go) sets the StatefulSet's spec.replicas,
                # prints "statefulset.apps/NAME scaled" and returns at once. The StatefulSet controller then
                # deletes pod NAME-0 (replicas 0) or creates it, Pending until the kubelet has started its
                # containers (replicas 1); the fake cluster (the test) plays controller and kubelet.
                ns=$(pod_ns "$@"); sts=""; replicas=""
                for a in "$@"; do
                  case "$a" in
                    statefulset/*) sts="${a#statefulset/}" ;;
                    --replicas=*) replicas="${a#--replicas=}" ;;
                  esac
                done
                mkdir -p "$calls/replicas/$ns" "$calls/pods/$ns"
                echo "$replicas" > "$calls/replicas/$ns/$sts"
                if [ "$replicas" = "0" ]; then rm -f "$calls/pods/$ns/$sts-0"; else echo Pending > "$calls/pods/$ns/$sts-0"; fi
                echo "statefulset.apps/$sts scaled" ;;
              *" -n tools delete pod "*)
                # kubectl delete pod NAME --grace-period=0 --force: the API object goes at once and the
                # kubelet kills the containers without a grace period (a power cut's kill); --ignore-not-found
                # makes a pod that is already gone no error. Prints 'pod "NAME" force deleted' (after a
                # warning on stderr that immediate deletion does not wait for confirmation).
                pod=$(pod_named "$@"); mkdir -p "$calls/pods/tools"
                case "$argv" in *"--force"*) touch "$calls/pods/tools/$pod.killed"; echo "Warning: Immediate deletion does not wait for confirmation that the running resource has been terminated." >&2; echo "pod \"$pod\" force deleted" ;; *) echo "pod \"$pod\" deleted" ;; esac ;;
              *" rollout status statefulset/"*)
                # kubectl rollout status (pkg/polymorphichelpers/rollout_status.go, StatefulSetStatusViewer)
                # watches until the StatefulSet's pods are updated and ready, then prints "statefulset rolling
                # update complete N pods at revision R..."; past --timeout it fails with "error: timed out
                # waiting for the condition" (exit 1).
                ns=$(pod_ns "$@"); sts=""; timeout=240
                for a in "$@"; do
                  case "$a" in
                    statefulset/*) sts="${a#statefulset/}" ;;
                    --timeout=*s) timeout="${a#--timeout=}"; timeout="${timeout%s}" ;;
                  esac
                done
                deadline=$(( $(date +%s) + timeout ))
                while pod_pending "$ns" "$sts-0"; do
                  if [ "$(date +%s)" -ge "$deadline" ]; then echo "error: timed out waiting for the condition" >&2; exit 1; fi
                  sleep 0.1
                done
                echo "statefulset rolling update complete 1 pods at revision $sts-1..." ;;
              *" get pod "*"-o json")
                # kubectl get pod --ignore-not-found: a pod that does not exist prints nothing, exit 0.
                pod=$(pod_named "$@"); ns=$(pod_ns "$@")
                if pod_gone "$ns" "$pod"; then exit 0; fi
                if pod_pending "$ns" "$pod"; then
                  printf '{"status":{"phase":"Pending","containerStatuses":[{"name":"vault","state":{"waiting":{"reason":"ContainerCreating"} } } ] } }'
                  exit 0
                fi
                # vault-helm 0.34.1 (upstream README): after 'helm upgrade --install' the pod is Pending
                # while its PVC binds and the image is pulled; only then Running.
                asked=$(( $(cat "$calls/pod-asks" 2>/dev/null || echo 0) + 1 )); echo "$asked" > "$calls/pod-asks"
                if [ "$asked" -le {{{PendingAnswers}}} ]; then
                  printf '{"status":{"phase":"Pending","containerStatuses":[{"name":"vault","state":{"waiting":{"reason":"ContainerCreating"} } } ] } }'
                elif [ -f "$calls/pod-after-pending.json" ]; then
                  # A pod that cannot start, as the test wrote it (a core/v1 Pod: status.phase,
                  # status.containerStatuses[].state.waiting.reason/message).
                  cat "$calls/pod-after-pending.json"
                elif vault_status; then
                  printf '{"status":{"phase":"Running","conditions":[{"type":"Ready","status":"True"}],"containerStatuses":[{"name":"vault","ready":true,"state":{"running":{} } } ] } }'
                else
                  # vault-helm 0.34.1: the readinessProbe (server.readinessProbe.enabled, values.yaml)
                  # defaults to exec 'vault status -tls-skip-verify' (templates/server-statefulset.yaml;
                  # test/unit/server-statefulset.bats "readinessProbe default"), and 'vault status'
                  # exits 2 when sealed, 1 on an error (command/status.go): a sealed Vault is never Ready.
                  printf '{"status":{"phase":"Running","conditions":[{"type":"Ready","status":"False","reason":"ContainersNotReady"}],"containerStatuses":[{"name":"vault","ready":false,"state":{"running":{} } } ] } }'
                fi ;;
              *" get events "*)
                # kubectl get events --field-selector involvedObject.name=POD -o jsonpath=TEMPLATE: the
                # core/v1 EventList the test wrote (events.json, one item a line), filtered on
                # involvedObject.name, each item rendered by the one template this fake knows (kubectl's
                # JSONPath: {range .items[*]}...{end} repeats per item; {"\n"} is a newline). Any other
                # template is refused rather than answered wrongly.
                pod=""; out=""; prev=""
                for a in "$@"; do
                  case "$prev" in
                    --field-selector) pod="${a#involvedObject.name=}" ;;
                    -o) out="$a" ;;
                  esac
                  prev="$a"
                done
                want='jsonpath={range .items[*]}{.type} {.reason}: {.message}{"\n"}{end}'
                if [ "$out" != "$want" ]; then echo "error: this fake kubectl renders only -o '$want', not '$out'" >&2; exit 1; fi
                [ -f "$calls/events.json" ] || exit 0
                while IFS= read -r item; do
                  [[ "$item" =~ \"involvedObject\":\{[^}]*\"name\":\"([^\"]*)\" ]] || continue
                  [ "${BASH_REMATCH[1]}" = "$pod" ] || continue
                  [[ "$item" =~ \"type\":\"([^\"]*)\" ]] && type="${BASH_REMATCH[1]}"
                  [[ "$item" =~ \"reason\":\"([^\"]*)\" ]] && reason="${BASH_REMATCH[1]}"
                  [[ "$item" =~ \"message\":\"((\\.|[^\"\\])*)\" ]] && message="${BASH_REMATCH[1]}"
                  printf '%s %s: %s\n' "$type" "$reason" "${message//\\\"/\"}"
                done < "$calls/events.json" ;;
              *" -n vault-secrets-operator-system delete pod --all "*)
                # The operator's pods die; FakeVaultSecretsOperator starts its new pod (no token) on its next pass.
                touch "$calls/operator-pods-deleted" ;;
              *" get vaultauth "*|*" get vaultstaticsecret "*|*" get vaultdynamicsecret "*|*" get deployment "*)
                # The objects as the (fake) operator last wrote them, .status included
                # (FakeVaultSecretsOperator); an object never written is NotFound, as from the API server.
                set -- $argv; ns=""; kind=""; name=""
                while [ $# -gt 0 ]; do
                  case "$1" in
                    -n) ns="$2"; shift ;;
                    get) kind="$2"; name="$3"; shift 2 ;;
                  esac
                  shift
                done
                file="$calls/objects/$ns/$kind/$name.json"
                if [ -f "$file" ]; then cat "$file"; else echo "Error from server (NotFound): $kind \"$name\" not found" >&2; exit 1; fi ;;
              *" create token "*)
                # kubectl create token (kubectl 1.24+, the TokenRequest API): prints the token alone on stdout;
                # --audience binds it; a ServiceAccount that does not exist is an error from the API server
                # (k8s.io/kubectl pkg/cmd/create/create_token.go: "failed to create token: ..."). The fake
                # cluster's API server issues what the test put in tokens/NS/SA/AUDIENCE (its issuer is the
                # one the cluster's TokenReview trusts).
                set -- $argv; ns=""; sa=""; aud="default"
                while [ $# -gt 0 ]; do
                  case "$1" in
                    -n) ns="$2"; shift ;;
                    token) sa="$2"; shift ;;
                    --audience) aud="$2"; shift ;;
                  esac
                  shift
                done
                file="$calls/tokens/$ns/$sa/$aud"
                if [ -f "$file" ]; then cat "$file"; else echo "error: failed to create token: serviceaccounts \"$sa\" not found" >&2; exit 1; fi ;;
              *" get pod "*)
                # -o jsonpath={.status.phase}: nothing for a pod that is gone (--ignore-not-found), its phase otherwise.
                pod=$(pod_named "$@"); ns=$(pod_ns "$@")
                if pod_gone "$ns" "$pod"; then exit 0; elif pod_pending "$ns" "$pod"; then printf 'Pending'; else printf 'Running'; fi ;;
              # The fake cluster's Vault is the Sandbox Vault double: its binary answers 'version' as the double does.
              *" exec "*" -- vault version") echo 'Sandbox Vault double v0.1.0 (NOT HashiCorp Vault)' ;;
            esac
            exit 0
            """;
        var path = Path.Combine(_tools, tool);
        File.WriteAllText(path, script.Replace("\r\n", "\n", StringComparison.Ordinal));
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }
}
