using System.Text.Json.Nodes;
using CliWrap;
using CliWrap.Buffered;
using NUnit.Framework;
using Sandbox.Harness.Runtimes;
using Sandbox.Harness.Runtimes.K3d;
using Sandbox.Harness.Runtimes.Process;

namespace Sandbox.Harness.Tests.Runtimes;

/// <summary>
/// What ends a k3d <c>up</c> early: a Vault pod that cannot start (its state and last events quoted),
/// a name k3d would refuse (refused before any tool runs), and what the fake k3d and helm refuse as
/// the real tools do, which the runtime's own commands must pass.
/// </summary>
public sealed partial class K3dRuntimeFakeToolsTests
{
    /// <summary>
    /// Pods that cannot start, as <c>kubectl get pod -o json</c> prints them (core/v1 Pod:
    /// <c>status.phase</c>, <c>status.reason</c>/<c>message</c>, <c>status.containerStatuses[].state.waiting.reason</c>/<c>message</c>,
    /// <c>.state.terminated</c>, <c>.lastState</c>, <c>.restartCount</c>), with the reason the runtime names
    /// and the events the kubelet records for them (core/v1 Event: <c>type</c>, <c>reason</c>, <c>message</c>, <c>involvedObject</c>).
    /// </summary>
    private static IEnumerable<TestCaseData> DeadPods()
    {
        const string uid = "0c1d7a52-5a4e-4f0e-9a51-6d3c2b1e8f10";
        static JsonObject Waiting(string phase, string reason, string message, int restarts) => new()
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Pod",
            ["metadata"] = new JsonObject { ["name"] = "hashicorp-vault-0", ["namespace"] = "tools", ["uid"] = uid },
            ["status"] = new JsonObject
            {
                ["phase"] = phase,
                ["containerStatuses"] = new JsonArray(new JsonObject
                {
                    ["name"] = "vault",
                    ["ready"] = false,
                    ["restartCount"] = restarts,
                    ["image"] = "hashicorp/vault:2.0.4",
                    ["state"] = new JsonObject { ["waiting"] = new JsonObject { ["reason"] = reason, ["message"] = message } },
                }),
            },
        };

        // kubelet pkg/kubelet/kuberuntime: a container that keeps exiting waits in CrashLoopBackOff; the pod stays Running.
        var crash = Waiting("Running", "CrashLoopBackOff", $"back-off 1m20s restarting failed container=vault pod=hashicorp-vault-0_tools({uid})", 4);
        crash["status"]!["containerStatuses"]![0]!["lastState"] = new JsonObject { ["terminated"] = new JsonObject { ["exitCode"] = 1, ["reason"] = "Error" } };
        yield return new TestCaseData("CrashLoopBackOff", crash, new[]
        {
            ("Normal", "Pulled", "Container image \"hashicorp/vault:2.0.4\" already present on machine"),
            ("Warning", "BackOff", $"Back-off restarting failed container vault in pod hashicorp-vault-0_tools({uid})"),
        }).SetArgDisplayNames("CrashLoopBackOff");

        // kubelet pkg/kubelet/images: a failed pull is ErrImagePull, then ImagePullBackOff; the pod stays Pending.
        yield return new TestCaseData("ErrImagePull", Waiting("Pending", "ErrImagePull", "rpc error: code = NotFound desc = failed to pull and unpack image \"docker.io/hashicorp/vault:2.0.4\": not found", 0), new[]
        {
            ("Normal", "Pulling", "Pulling image \"hashicorp/vault:2.0.4\""),
            ("Warning", "Failed", "Failed to pull image \"hashicorp/vault:2.0.4\": rpc error: code = NotFound desc = not found"),
            ("Warning", "Failed", "Error: ErrImagePull"),
        }).SetArgDisplayNames("ErrImagePull");
        yield return new TestCaseData("ImagePullBackOff", Waiting("Pending", "ImagePullBackOff", "Back-off pulling image \"hashicorp/vault:2.0.4\"", 0), new[]
        {
            ("Warning", "Failed", "Error: ErrImagePull"),
            ("Normal", "BackOff", "Back-off pulling image \"hashicorp/vault:2.0.4\""),
            ("Warning", "Failed", "Error: ImagePullBackOff"),
        }).SetArgDisplayNames("ImagePullBackOff");

        // An evicted pod: phase Failed, status.reason Evicted, its container terminated.
        var failed = new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Pod",
            ["metadata"] = new JsonObject { ["name"] = "hashicorp-vault-0", ["namespace"] = "tools", ["uid"] = uid },
            ["status"] = new JsonObject
            {
                ["phase"] = "Failed",
                ["reason"] = "Evicted",
                ["message"] = "The node was low on resource: ephemeral-storage.",
                ["containerStatuses"] = new JsonArray(new JsonObject
                {
                    ["name"] = "vault",
                    ["ready"] = false,
                    ["restartCount"] = 0,
                    ["state"] = new JsonObject { ["terminated"] = new JsonObject { ["exitCode"] = 137, ["reason"] = "ContainerStatusUnknown" } },
                }),
            },
        };
        yield return new TestCaseData("Failed", failed, new[]
        {
            ("Warning", "Evicted", "The node was low on resource: ephemeral-storage."),
            ("Normal", "Killing", "Stopping container vault"),
        }).SetArgDisplayNames("Failed");
    }

    [TestCaseSource(nameof(DeadPods))]
    [CancelAfter(90000)]
    public async Task Up_WhenVaultsPodCannotStart_StopsWaitingAtOnce_AndQuotesItsStateAndLastEvents(
        string state, JsonObject pod, (string Type, string Reason, string Message)[] events, CancellationToken cancellationToken)
    {
        // The pod answers Pending/ContainerCreating PendingAnswers times, then the dead state. The start budget
        // (300 s) is longer than this test may run: only the dead state can end 'up' in time.
        await File.WriteAllTextAsync(Path.Combine(_calls, "pod-after-pending.json"), pod.ToJsonString(AsKubectlPrints), cancellationToken);
        await File.WriteAllTextAsync(Path.Combine(_calls, "events.json"), EventList(
            [.. events.Select(e => ("hashicorp-vault-0", e.Type, e.Reason, e.Message)), ("postgres-0", "Normal", "Started", "Started container postgres")]), cancellationToken);
        var charts = Path.Combine(_tools, "charts");
        Directory.CreateDirectory(charts);
        await WriteChartArchiveAsync(Path.Combine(charts, "vault-0.34.1.tgz"), "vault", "0.34.1");
        await WriteChartArchiveAsync(Path.Combine(charts, "vault-secrets-operator-1.4.1.tgz"), "vault-secrets-operator", "1.4.1");
        await using var home = new SandboxTestHome();
        var manager = new SandboxManager(home.Guard, home.Folder) { RuntimeFactory = _ => new K3dRuntime(toolDirectory: _tools) };
        var options = new SandboxOptions { Runtime = RuntimeKind.K3d, Name = "dead-pod", ChartsDirectory = charts };

        var e = Assert.ThrowsAsync<SandboxRuntimeException>(() => manager.UpAsync(options, cancellationToken))!;

        var argv = ReadCalls().Select(c => c.Argv).ToList();
        var podAsks = argv.Count(a => a.Contains(" -n tools get pod hashicorp-vault-0 --ignore-not-found -o json", StringComparison.Ordinal));
        Assert.Multiple(() =>
        {
            Assert.That(e.ExitCode, Is.EqualTo(ExitCode.RuntimeFailed));
            Assert.That(e.Message, Does.Contain($"pod tools/hashicorp-vault-0 cannot start ({state}"), e.Message);
            foreach (var (type, reason, message) in events)
            {
                Assert.That(e.Message, Does.Contain($"\n  {type} {reason}: {message}"), "each of the pod's events, quoted as kubectl printed it");
            }

            Assert.That(e.Message, Does.Not.Contain("Started container postgres"), "only the Vault pod's events");
            Assert.That(e.Message, Does.Contain("describe pod hashicorp-vault-0"));
            Assert.That(podAsks, Is.EqualTo(PendingAnswers + 1), "Pending/ContainerCreating meant 'not yet'; the first dead answer ended the wait");
            Assert.That(argv.Count(a => a.Contains(" get events ", StringComparison.Ordinal)), Is.EqualTo(1));
            Assert.That(argv.Where(a => a.StartsWith("helm ", StringComparison.Ordinal)), Has.Exactly(2).Contains(charts + "/"), "both releases installed from the chart archives, which the fake helm accepted");
            Assert.That(argv[^1], Is.EqualTo("k3d cluster delete dead-pod"), "the half-made cluster is removed");
        });
    }

    /// <summary>JSON as kubectl (Go's encoding/json) writes it: a quote inside a string is <c>\"</c>, not <c>\u0022</c>.</summary>
    private static readonly System.Text.Json.JsonSerializerOptions AsKubectlPrints = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>A core/v1 EventList as <c>kubectl get events -o json</c> prints it, one item a line.</summary>
    private static string EventList(IEnumerable<(string Pod, string Type, string Reason, string Message)> events)
    {
        var items = events.Select((e, i) => new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Event",
            ["metadata"] = new JsonObject { ["name"] = $"{e.Pod}.18{i:x4}", ["namespace"] = "tools" },
            ["involvedObject"] = new JsonObject { ["kind"] = "Pod", ["namespace"] = "tools", ["name"] = e.Pod, ["fieldPath"] = "spec.containers{vault}" },
            ["reason"] = e.Reason,
            ["message"] = e.Message,
            ["type"] = e.Type,
            ["count"] = 1,
        }.ToJsonString(AsKubectlPrints));
        var text = "{\"apiVersion\":\"v1\",\"kind\":\"EventList\",\"items\":[\n" + string.Join(",\n", items) + "\n]}\n";
        Assert.That(JsonNode.Parse(text)!["items"]!.AsArray(), Is.Not.Empty, "the file is the JSON kubectl would print");
        return text;
    }

    [Test]
    [CancelAfter(30000)]
    public async Task FakeK3d_RefusesAClusterNameOver32CharactersOrNotAHostName_AsK3dDoes_AndTakesTheLongestSandboxName(CancellationToken cancellationToken)
    {
        var template = File.ReadAllText(Path.Combine(SandboxCheckout.FindRoot(TestContext.CurrentContext.TestDirectory)!, "k3d", "cluster.yaml"));
        async Task<BufferedCommandResult> CreateAsync(string name)
        {
            // The runtime names the k3d cluster after the sandbox (metadata.name and 'k3d kubeconfig get NAME').
            var file = Path.Combine(_tools, name.Length + ".yaml");
            await File.WriteAllTextAsync(file, K3dRuntime.RenderClusterConfig(template, new SandboxPaths(_tools, name), "s-1", 6443, 8200, 5432), cancellationToken);
            return await Cli.Wrap(Path.Combine(_tools, "k3d")).WithArguments(["cluster", "create", "--config", file]).WithValidation(CommandResultValidation.None).ExecuteBufferedAsync(cancellationToken);
        }

        var longest = await CreateAsync("l" + new string('a', SandboxName.MaxLength - 1));
        var k3dLimit = await CreateAsync("l" + new string('a', 31));
        var tooLong = await CreateAsync("l" + new string('a', 32));
        var notHost = await CreateAsync("lab-");

        Assert.Multiple(() =>
        {
            Assert.That(longest.ExitCode, Is.Zero, "the longest sandbox name is a cluster name k3d takes: " + longest.StandardError);
            Assert.That(k3dLimit.ExitCode, Is.Zero, k3dLimit.StandardError);
            Assert.That(tooLong.ExitCode, Is.Not.Zero);
            Assert.That(tooLong.StandardError, Does.Contain("Cluster name must be <= 32 characters, but has 33"));
            Assert.That(notHost.ExitCode, Is.Not.Zero);
            Assert.That(notHost.StandardError, Does.Contain("is not a valid hostname as per RFC 1123"));
        });
    }

    [Test]
    [CancelAfter(30000)]
    public async Task Up_K3d_WithANameLongerThanTheLimit_IsRefusedWithTheLimitAndTheFix_BeforeAnyToolRuns(CancellationToken cancellationToken)
    {
        await using var home = new SandboxTestHome();
        var manager = new SandboxManager(home.Guard, home.Folder) { RuntimeFactory = _ => new K3dRuntime(toolDirectory: _tools) };
        var name = "lab-" + new string('x', SandboxName.MaxLength - 3);

        var e = Assert.ThrowsAsync<SandboxNameException>(() => manager.UpAsync(new SandboxOptions { Runtime = RuntimeKind.K3d, Name = name }, cancellationToken))!;

        Assert.Multiple(() =>
        {
            Assert.That(e.ExitCode, Is.EqualTo(ExitCode.InvalidInput));
            Assert.That(e.Message, Does.Contain($"'{name}'").And.Contain($"{SandboxName.MaxLength + 1} characters, more than {SandboxName.MaxLength}"));
            Assert.That(e.Message, Does.Contain("Fix: use --name with 1-30 characters"));
            Assert.That(File.Exists(Path.Combine(_calls, "calls.jsonl")), Is.False, "no tool was run");
            Assert.That(Directory.Exists(Path.Combine(home.Folder, ".sandbox", name)), Is.False, "no run folder");
        });
    }

    [Test]
    [CancelAfter(30000)]
    public async Task FakeHelm_RefusesAMissingChartArchiveValuesFileOrRepository_AndMalformedSetString_AsHelmDoes(CancellationToken cancellationToken)
    {
        var helmHome = Path.Combine(_tools, "helm-config");
        var archive = Path.Combine(_tools, "charts", "vault-0.34.1.tgz");
        var values = Path.Combine(_tools, "vault.values.yaml");
        async Task<BufferedCommandResult> HelmAsync(params string[] args) =>
            await Cli.Wrap(Path.Combine(_tools, "helm")).WithArguments(["--kubeconfig", "kc", "--kube-context", "k3d-lab", .. args])
                .WithEnvironmentVariables(v => v.Set("HELM_CONFIG_HOME", helmHome)).WithValidation(CommandResultValidation.None).ExecuteBufferedAsync(cancellationToken);
        string[] Install(string chart, params string[] rest) => ["upgrade", "--install", "hashicorp-vault", chart, "--namespace", "tools", "--create-namespace", "--values", values, .. rest];

        var noArchive = await HelmAsync(Install(archive));
        Directory.CreateDirectory(Path.GetDirectoryName(archive)!);
        await WriteChartArchiveAsync(archive, "vault", "0.34.1");
        var noValues = await HelmAsync(Install(archive));
        await File.WriteAllTextAsync(values, "server: {}\n", cancellationToken);
        var badString = await HelmAsync(Install(archive, "--set-string", "server.image.tag"));
        var fromArchive = await HelmAsync(Install(archive, "--set-string", "server.image.tag=2.0.4"));
        var noRepo = await HelmAsync(Install("hashicorp/vault", "--version", "0.34.1"));
        var added = await HelmAsync("repo", "add", "hashicorp", RuntimeVersions.HashiCorpHelmRepository, "--force-update");
        var fromRepo = await HelmAsync(Install("hashicorp/vault", "--version", "0.34.1"));

        Assert.Multiple(() =>
        {
            Assert.That(noArchive.ExitCode, Is.EqualTo(1));
            Assert.That(noArchive.StandardError, Does.Contain($"Error: path \"{archive}\" not found"));
            Assert.That(noValues.ExitCode, Is.EqualTo(1));
            Assert.That(noValues.StandardError, Does.Contain($"Error: open {values}: no such file or directory"));
            Assert.That(badString.ExitCode, Is.EqualTo(1));
            Assert.That(badString.StandardError, Does.Contain("failed parsing --set-string data: key \"tag\" has no value"));
            Assert.That(fromArchive.ExitCode, Is.Zero, fromArchive.StandardError);
            Assert.That(noRepo.ExitCode, Is.EqualTo(1));
            Assert.That(noRepo.StandardError, Does.Contain("Error: repo hashicorp not found"));
            Assert.That(added.ExitCode, Is.Zero, added.StandardError);
            Assert.That(fromRepo.ExitCode, Is.Zero, fromRepo.StandardError);
        });
    }
}
