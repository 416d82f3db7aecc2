using System.Net;
using CliWrap;
using CliWrap.Buffered;
using Microsoft.Extensions.Logging.Abstractions;
using NUnit.Framework;
using Sandbox.Harness.Guard;
using Sandbox.Harness.Runtimes;
using Sandbox.Harness.Runtimes.K3d;
using Sandbox.Tests.Shared;

namespace Sandbox.Harness.Tests.Guard;

/// <summary>
/// Live canaries for kubectl and helm: the user's own kubeconfig (<c>KUBECONFIG</c> and <c>~/.kube/config</c>)
/// has a current context, declared production (<c>kubeContexts: prod</c>), whose API server is a listener on
/// 127.0.0.2 (<c>addresses: 127.0.0.2</c>) that counts connections; <c>HELM_KUBECONTEXT</c> and
/// <c>HELM_KUBEAPISERVER</c> name it too. The k3d runtime's kubectl and helm children (started by the runtime
/// itself, with a tool directory holding the real kubectl and a helm stand-in) reach only the sandbox's own
/// API server from the private kubeconfig; the controls, the same tools without the guard, do reach the canary.
/// </summary>
[TestFixture]
[NonParallelizable] // changes this process's KUBECONFIG, HOME and HELM_* while it runs
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class LiveKubeCanaryTests
{
    private const string Cluster = "kc";
    private static readonly IPAddress CanaryAddress = IPAddress.Parse("127.0.0.2");
    private static readonly string[] Variables = ["KUBECONFIG", "HOME", "HELM_KUBECONTEXT", "HELM_KUBEAPISERVER"];

    [Test]
    [CancelAfter(120_000)]
    public async Task AKubeconfigWhoseCurrentContextIsProduction_IsNeverUsedByTheK3dRuntimesKubectlAndHelm(CancellationToken cancellationToken)
    {
        Requires.Tool("kubectl", "https://kubernetes.io/docs/tasks/tools/ (or apt-get install -y kubectl from the Kubernetes apt repository)");
        var kubectl = FindOnPath("kubectl")!;
        await using var canary = new LoopbackHttpServer(CanaryAddress);
        await using var sandboxApi = new LoopbackHttpServer(IPAddress.Loopback);
        var folder = Directory.CreateTempSubdirectory("sandbox-kube-canary-").FullName;
        var saved = Variables.ToDictionary(n => n, Environment.GetEnvironmentVariable);
        try
        {
            var canaryUrl = $"http://127.0.0.2:{canary.Port}";
            var userKubeconfig = Path.Combine(folder, "user-kubeconfig");
            await File.WriteAllTextAsync(userKubeconfig, Kubeconfig("prod", canaryUrl, currentContext: true), cancellationToken);
            var userHome = Path.Combine(folder, "home");
            Directory.CreateDirectory(Path.Combine(userHome, ".kube"));
            await File.WriteAllTextAsync(Path.Combine(userHome, ".kube", "config"), Kubeconfig("prod", canaryUrl, currentContext: true), cancellationToken);
            var tools = Path.Combine(folder, "tools");
            Directory.CreateDirectory(tools);
            File.CreateSymbolicLink(Path.Combine(tools, "kubectl"), kubectl);
            var helmLog = Path.Combine(folder, "helm.log");
            WriteHelmStandIn(Path.Combine(tools, "helm"), kubectl, helmLog);
            var helm = Path.Combine(tools, "helm");

            // Controls: without the guard, each way the user's settings name the canary reaches it.
            var controls = new (string What, string Tool, string[] Args, Dictionary<string, string?> Env)[]
            {
                ("kubectl, KUBECONFIG", kubectl, ["get", "namespaces", "--request-timeout=5s"], new() { ["KUBECONFIG"] = userKubeconfig, ["HOME"] = folder }),
                ("kubectl, ~/.kube/config", kubectl, ["get", "namespaces", "--request-timeout=5s"], new() { ["KUBECONFIG"] = null, ["HOME"] = userHome }),
                ("helm, KUBECONFIG", helm, ["list"], new() { ["KUBECONFIG"] = userKubeconfig, ["HOME"] = folder }),
                ("helm, ~/.kube/config", helm, ["list"], new() { ["KUBECONFIG"] = null, ["HOME"] = userHome }),
                ("helm, HELM_KUBEAPISERVER", helm, ["list"], new() { ["KUBECONFIG"] = null, ["HOME"] = folder, ["HELM_KUBEAPISERVER"] = canaryUrl }),
            };
            var reached = new List<string>();
            foreach (var (what, tool, args, env) in controls)
            {
                var before = canary.AcceptedConnections;
                var output = await UnguardedProcess.RunAsync(tool, args, env, Variables, TimeSpan.FromSeconds(20), cancellationToken);
                reached.Add(canary.AcceptedConnections > before ? what : $"{what} did NOT reach the canary: {output}");
            }

            Assert.That(reached, Has.All.Not.Contains("did NOT"), "each control must reach the canary, so what the tools read is what the test set");
            var reachedByControls = canary.AcceptedConnections;

            // The harness's process carries the user's production settings.
            Environment.SetEnvironmentVariable("KUBECONFIG", userKubeconfig);
            Environment.SetEnvironmentVariable("HOME", userHome);
            Environment.SetEnvironmentVariable("HELM_KUBECONTEXT", "prod");
            Environment.SetEnvironmentVariable("HELM_KUBEAPISERVER", canaryUrl);

            var guard = TestDenylists.Guard();
            var home = Path.Combine(folder, "sandbox-home");
            var paths = new SandboxPaths(home, Cluster);
            Directory.CreateDirectory(paths.RunFolder);
            await File.WriteAllTextAsync(paths.Kubeconfig, Kubeconfig(K3dRuntime.ContextOf(Cluster), $"http://127.0.0.1:{sandboxApi.Port}", currentContext: false), cancellationToken);
            var state = new SandboxState { Name = Cluster, Runtime = RuntimeKind.K3d, ClusterName = Cluster, VaultPort = LoopbackHttpServerPort(), PostgresPort = LoopbackHttpServerPort() };
            var options = new SandboxOptions { Runtime = RuntimeKind.K3d, FirstStartTimeout = TimeSpan.FromSeconds(3) };
            using var run = new SandboxRun(paths, state, options, guard, NullLogger.Instance, TimeProvider.System);
            var runtime = new K3dRuntime(toolDirectory: tools, guard: guard);

            // The runtime's kubectl (a pod status) and helm (the chart installs), as 'up' starts them.
            var vaultRunning = await runtime.IsVaultRunningAsync(run, cancellationToken);
            var install = await CatchAsync(() => runtime.StartVaultAsync(run, cancellationToken));

            // What kubectl reads under the guard when it is given nothing: the sandbox's empty kubeconfig, no current context.
            var bare = await guard.GuardCommand(Cli.Wrap(kubectl).WithArguments(["config", "current-context"]).WithValidation(CommandResultValidation.None), "canary").ExecuteBufferedAsync(cancellationToken);
            var bareGet = await guard.GuardCommand(Cli.Wrap(kubectl).WithArguments(["get", "namespaces", "--request-timeout=5s"]).WithValidation(CommandResultValidation.None), "canary").ExecuteBufferedAsync(cancellationToken);

            // Naming the production context, kubeconfig or server on the command line is refused.
            var refused = new[]
            {
                (kubectl, new[] { "--context", "prod", "get", "namespaces" }),
                (kubectl, ["--kubeconfig", userKubeconfig, "get", "namespaces"]),
                (kubectl, ["--server", canaryUrl, "get", "namespaces"]),
                (helm, ["--kubeconfig", paths.Kubeconfig, "--kube-context", "prod", "list"]),
                (helm, ["--kubeconfig", paths.Kubeconfig, "--kube-context", K3dRuntime.ContextOf(Cluster), "--kube-apiserver", canaryUrl, "list"]),
            }.Select(c => Assert.Throws<GuardBlockedException>(() => guard.GuardCommand(Cli.Wrap(c.Item1).WithArguments(c.Item2), "canary", paths.Kubeconfig), string.Join(' ', c.Item2))!.Decision.Rule).ToArray();

            await Task.Delay(200, cancellationToken);
            var helmCalls = File.Exists(helmLog) ? await File.ReadAllLinesAsync(helmLog, cancellationToken) : [];
            var sandboxHeads = sandboxApi.RequestHeads.ToArray();

            Assert.Multiple(() =>
            {
                Assert.That(canary.AcceptedConnections, Is.EqualTo(reachedByControls), "a kubectl or helm child of the k3d runtime reached the production canary");
                Assert.That(vaultRunning, Is.False, "the sandbox API stand-in answers no pod");
                Assert.That(install, Is.Not.Null, "the install waits for a Vault that never answers and gives up");
                Assert.That(helmCalls.Count(c => c.StartsWith("helm upgrade --install", StringComparison.Ordinal)), Is.EqualTo(2), "both chart installs ran: " + string.Join(" | ", helmCalls));
                Assert.That(helmCalls.Where(c => c.StartsWith("helm upgrade", StringComparison.Ordinal)), Has.All.Contains($"context={K3dRuntime.ContextOf(Cluster)}").And.All.Contains($"kubeconfig={paths.Kubeconfig}").And.All.Contains("server=-"),
                    "helm resolved the sandbox's kubeconfig and context, and no API server override");
                Assert.That(sandboxHeads.Count(h => h.StartsWith("GET /version", StringComparison.Ordinal)), Is.GreaterThanOrEqualTo(2), "helm reached the sandbox's API server");
                Assert.That(sandboxHeads.Count(h => h.Contains("/pods/", StringComparison.Ordinal) || h.StartsWith("GET /api", StringComparison.Ordinal)), Is.GreaterThanOrEqualTo(1), "kubectl reached the sandbox's API server");
                Assert.That(bare.StandardOutput.Trim(), Is.Empty, "no current context under the guard: " + bare.StandardError);
                Assert.That(bareGet.ExitCode, Is.Not.Zero, "with nothing to read, kubectl has no cluster to dial");
                Assert.That(refused, Is.EqualTo(new[] { "kubeContexts:prod", GuardRules.ForeignKubeconfig, "addresses:127.0.0.2", "kubeContexts:prod", "addresses:127.0.0.2" }));
            });
        }
        finally
        {
            foreach (var (name, value) in saved)
            {
                Environment.SetEnvironmentVariable(name, value);
            }

            Directory.Delete(folder, recursive: true);
        }
    }

    private static int LoopbackHttpServerPort() => Sandbox.Harness.Runtimes.Internal.LoopbackPorts.Free();

    private static async Task<Exception?> CatchAsync(Func<Task> action)
    {
        try
        {
            await action();
            return null;
        }
        catch (SandboxException e)
        {
            return e;
        }
    }

    /// <summary>A kubeconfig (clientcmd v1 Config) with one cluster, user and context of that name.</summary>
    private static string Kubeconfig(string name, string server, bool currentContext) => $"""
        apiVersion: v1
        kind: Config
        clusters:
        - name: {name}
          cluster:
            server: {server}
        users:
        - name: {name}
          user: {"{}"}
        contexts:
        - name: {name}
          context:
            cluster: {name}
            user: {name}
        current-context: "{(currentContext ? name : string.Empty)}"
        """;

    /// <summary>
    /// A stand-in for helm v3 that reaches the cluster as helm does. Which cluster helm uses (helm v3
    /// pkg/cli/environment.go, <c>New</c> and <c>AddFlags</c>): <c>--kubeconfig</c>, else client-go's default
    /// loading rules — <c>KUBECONFIG</c>, else <c>$HOME/.kube/config</c> (k8s.io/client-go tools/clientcmd
    /// loader.go, <c>NewDefaultClientConfigLoadingRules</c>, <c>RecommendedHomeFile</c>); <c>--kube-context</c>,
    /// else <c>HELM_KUBECONTEXT</c>, else the file's current context; <c>--kube-apiserver</c>, else
    /// <c>HELM_KUBEAPISERVER</c>, over the context's server; <c>HELM_KUBETOKEN</c>, <c>HELM_KUBEASUSER</c>,
    /// <c>HELM_KUBECAFILE</c>, <c>HELM_KUBETLS_SERVER_NAME</c>, <c>HELM_KUBEINSECURE_SKIP_TLS_VERIFY</c> likewise.
    /// helm hands these to client-go through <c>genericclioptions.ConfigFlags</c>, as kubectl does, so the
    /// stand-in passes them to the real kubectl as the same flags and lets client-go load and dial. A command
    /// that talks to the cluster first checks it is reachable (helm pkg/kube client.go <c>IsReachable</c>: the
    /// discovery client's server version, <c>GET /version</c>); <c>helm repo add</c> reads the repository's
    /// index, never the cluster.
    /// </summary>
    private static void WriteHelmStandIn(string path, string kubectl, string log)
    {
        var script = $$"""
            #!/bin/bash
            kubeconfig=""; context="${HELM_KUBECONTEXT:-}"; server="${HELM_KUBEAPISERVER:-}"; words=()
            while [ $# -gt 0 ]; do
              case "$1" in
                --kubeconfig) kubeconfig="$2"; shift ;;
                --kubeconfig=*) kubeconfig="${1#*=}" ;;
                --kube-context) context="$2"; shift ;;
                --kube-context=*) context="${1#*=}" ;;
                --kube-apiserver) server="$2"; shift ;;
                --kube-apiserver=*) server="${1#*=}" ;;
                *) words+=("$1") ;;
              esac
              shift
            done
            echo "helm ${words[*]} kubeconfig=${kubeconfig:--} context=${context:--} server=${server:--}" >> '{{log}}'
            [ "${words[0]} ${words[1]}" = "repo add" ] && exit 0
            args=()
            [ -n "$kubeconfig" ] && args+=(--kubeconfig "$kubeconfig")
            [ -n "$context" ] && args+=(--context "$context")
            [ -n "$server" ] && args+=(--server "$server")
            [ -n "${HELM_KUBETOKEN:-}" ] && args+=(--token "$HELM_KUBETOKEN")
            [ -n "${HELM_KUBEASUSER:-}" ] && args+=(--as "$HELM_KUBEASUSER")
            [ -n "${HELM_KUBECAFILE:-}" ] && args+=(--certificate-authority "$HELM_KUBECAFILE")
            [ -n "${HELM_KUBETLS_SERVER_NAME:-}" ] && args+=(--tls-server-name "$HELM_KUBETLS_SERVER_NAME")
            [ "${HELM_KUBEINSECURE_SKIP_TLS_VERIFY:-false}" = "true" ] && args+=(--insecure-skip-tls-verify)
            exec '{{kubectl}}' "${args[@]}" --request-timeout=5s get --raw /version
            """;
        File.WriteAllText(path, script.Replace("\r\n", "\n", StringComparison.Ordinal));
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    private static string? FindOnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, name)).FirstOrDefault(File.Exists);
}
