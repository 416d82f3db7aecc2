using System.Net;
using System.Security.Cryptography;
using System.Text;
using CliWrap;
using CliWrap.Buffered;
using NUnit.Framework;
using Sandbox.Harness.Guard;
using Sandbox.Harness.Replay;
using Sandbox.Harness.Runtimes;
using Sandbox.Harness.Runtimes.Docker;
using Sandbox.Harness.Tests.Topology;
using Sandbox.Harness.Topology;
using Sandbox.Tests.Shared;

namespace Sandbox.Harness.Tests.Guard;

/// <summary>
/// Live canaries, loopback only: a listener on 127.0.0.2, declared production in the test denylist,
/// counts every connection. Each attack is tried through the harness (the canary must stay at zero)
/// and, as a control, without it (the canary must be reached, so the zero means something).
/// </summary>
[TestFixture]
[NonParallelizable] // the docker canary changes this process's DOCKER_* variables while it runs
public sealed class LiveCanaryTests
{
    private static readonly IPAddress CanaryAddress = IPAddress.Parse("127.0.0.2");

    [Test]
    [CancelAfter(30_000)]
    public async Task ALoopbackPortThatRedirectsToProduction_IsRefusedAsAVaultEndpoint_AndNotFollowedByTheHarness(CancellationToken cancellationToken)
    {
        await using var canary = new LoopbackHttpServer(CanaryAddress);
        await using var redirector = new LoopbackHttpServer(IPAddress.Loopback, _ => (307, $"http://127.0.0.2:{canary.Port}/apis/authentication.k8s.io/v1/tokenreviews"));
        await using var postgresStandIn = new LoopbackHttpServer(IPAddress.Loopback);
        var guard = TestDenylists.Guard();
        var redirectorUrl = $"http://127.0.0.1:{redirector.Port}";
        var options = new ReplayOptions { Postgres = new PostgresEndpoint("127.0.0.1", postgresStandIn.Port, "postgres", "unused"), KubernetesHost = redirectorUrl };

        // 1. The config guard: the redirecting port is loopback, but not an endpoint the sandbox runs.
        var refused = Assert.Throws<ReplayConfigGuardException>(() => TopologyReplayer.Validate(FixtureTopology(), options, guard))!;

        // 2. The harness's own client: the redirect is checked before it is followed.
        using var client = guard.CreateHttpClient("canary");
        var blocked = Assert.ThrowsAsync<GuardBlockedException>(() => client.GetAsync(new Uri(redirectorUrl + "/"), cancellationToken))!;
        await Task.Delay(100, cancellationToken);
        var reachedThroughTheHarness = canary.AcceptedConnections;

        // 3. Control: a client that follows redirects, as Vault's does, reaches production from that port.
        using var unguarded = new HttpClient();
        using (await unguarded.GetAsync(new Uri(redirectorUrl + "/"), cancellationToken))
        {
        }

        Assert.Multiple(() =>
        {
            Assert.That(refused.Decision.Rule, Is.EqualTo(GuardRules.ConfigNotSandboxEndpoint));
            Assert.That(refused.Decision.Target, Is.EqualTo($"127.0.0.1:{redirector.Port}"));
            Assert.That(refused.Message, Does.Contain("auth/kubernetes/config kubernetes_host").And.Contain($"127.0.0.1:{postgresStandIn.Port} (the sandbox's PostgreSQL)"));
            Assert.That(blocked.Decision.Rule, Is.EqualTo("addresses:127.0.0.2"));
            Assert.That(redirector.AcceptedConnections, Is.EqualTo(2), "the harness asked the redirecting port once, the control once");
            Assert.That(reachedThroughTheHarness, Is.Zero, "the production canary was reached through the harness");
            Assert.That(canary.AcceptedConnections, Is.EqualTo(1), "the control follows the redirect to the canary");
        });
    }

    [Test]
    [CancelAfter(30_000)]
    public async Task ALocalhostName_IsRefusedAsAVaultEndpoint_WithoutBeingResolved(CancellationToken cancellationToken)
    {
        // The name points at the very port the sandbox runs: the config guard still refuses it, because the
        // sandbox Vault would resolve it with its own resolver. Nothing here resolves it either.
        await using var standIn = new LoopbackHttpServer(IPAddress.Loopback);
        var guard = TestDenylists.Guard();
        var lookups = new List<string>();
        guard.Resolver = (name, _) =>
        {
            lock (lookups)
            {
                lookups.Add(name);
            }

            return Task.FromResult(new[] { CanaryAddress });
        };
        var options = new ReplayOptions
        {
            KubernetesHost = $"http://vault.localhost:{standIn.Port}",
            SandboxEndpoints = [new Uri($"http://127.0.0.1:{standIn.Port}")],
        };

        var refused = Assert.Throws<ReplayConfigGuardException>(() => TopologyReplayer.Validate(FixtureTopology(), options, guard))!;

        // The harness's own client dials a *.localhost name on loopback, never asking a resolver (which
        // here would answer with the production canary).
        using var client = guard.CreateHttpClient("canary");
        using var response = await client.GetAsync(new Uri($"http://vault.localhost:{standIn.Port}/"), cancellationToken);

        Assert.Multiple(() =>
        {
            Assert.That(refused.Decision.Rule, Is.EqualTo(GuardRules.ConfigLocalhostName));
            Assert.That(refused.Decision.Target, Is.EqualTo($"vault.localhost:{standIn.Port}"));
            Assert.That(refused.Message, Does.Contain("kubernetes_host").And.Contain("*.localhost"));
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(standIn.AcceptedConnections, Is.EqualTo(1));
            Assert.That(lookups, Is.Empty, "no name was handed to a resolver");
        });
    }

    [Test]
    [CancelAfter(90_000)]
    public async Task ADockerCurrentContextNamingProduction_IsNeverUsedByTheDockerRuntimesChild(CancellationToken cancellationToken)
    {
        Requires.Tool("docker", "apt-get install -y docker.io (the docker CLI; no daemon is needed)");
        var docker = FindOnPath("docker")!;
        await using var canary = new LoopbackHttpServer(CanaryAddress);
        var config = HostileDockerConfig(canary.Port);
        try
        {
            // Control: docker itself, given that folder, dials the production canary.
            var control = await UnguardedProcess.RunAsync(docker, ["version"], new Dictionary<string, string?> { ["DOCKER_CONFIG"] = config }, ["DOCKER_HOST", "DOCKER_CONTEXT"], TimeSpan.FromSeconds(20), cancellationToken);
            Assert.That(canary.AcceptedConnections, Is.GreaterThanOrEqualTo(1), $"the control did not reach the canary, so the fake context is not what docker reads: {control}");
            var reachedByControl = canary.AcceptedConnections;

            var saved = new[] { "DOCKER_CONFIG", "DOCKER_CONTEXT", "DOCKER_HOST" }.ToDictionary(n => n, Environment.GetEnvironmentVariable);
            Environment.SetEnvironmentVariable("DOCKER_CONFIG", config);
            Environment.SetEnvironmentVariable("DOCKER_CONTEXT", "prod");
            Environment.SetEnvironmentVariable("DOCKER_HOST", null);
            try
            {
                var guard = TestDenylists.Guard();

                // The docker runtime's own child (the sweep's 'docker ps' and 'docker volume ls'), through the guard.
                await DockerLeftovers.SweepAsync(guard, "canary-home-id", [], cancellationToken);

                // And a plain 'docker version' through the guard.
                var version = await guard.GuardCommand(Cli.Wrap(docker).WithArguments(["version"]).WithValidation(CommandResultValidation.None), "canary").ExecuteBufferedAsync(cancellationToken);

                // Asking for the context, the config folder or the endpoint on the command line is refused.
                var flags = new[]
                {
                    new[] { "--context", "prod", "ps" },
                    ["-c", "prod", "ps"],
                    ["--config", config, "ps"],
                    ["-H", $"tcp://127.0.0.2:{canary.Port}", "ps"],
                };
                var refusals = flags.Select(args => Assert.Throws<GuardBlockedException>(() => guard.GuardCommand(Cli.Wrap(docker).WithArguments(args), "canary"))!.Decision.Rule).ToArray();

                var environment = guard.ChildEnvironment("docker", null);
                await Task.Delay(200, cancellationToken);

                Assert.Multiple(() =>
                {
                    Assert.That(canary.AcceptedConnections, Is.EqualTo(reachedByControl), "the docker runtime's child reached the production canary");
                    Assert.That(version.StandardError + version.StandardOutput, Does.Not.Contain("127.0.0.2"));
                    Assert.That(environment["DOCKER_CONFIG"], Is.Not.EqualTo(config), "DOCKER_CONFIG is pinned to a folder of the sandbox's own");
                    Assert.That(Directory.EnumerateFileSystemEntries(environment["DOCKER_CONFIG"]!), Is.Empty, "that folder has no current context");
                    Assert.That(environment["DOCKER_CONTEXT"], Is.Null, "DOCKER_CONTEXT is removed");
                    Assert.That(refusals, Has.All.Not.Empty, "every context, config and endpoint flag is refused");
                });
            }
            finally
            {
                foreach (var (name, value) in saved)
                {
                    Environment.SetEnvironmentVariable(name, value);
                }
            }
        }
        finally
        {
            Directory.Delete(config, recursive: true);
        }
    }

    /// <summary>
    /// A docker CLI config folder whose current context 'prod' points at the canary, laid out as docker's
    /// context store keeps it: <c>config.json</c> with <c>currentContext</c>, and the context's metadata in
    /// <c>contexts/meta/&lt;sha256 of the name&gt;/meta.json</c> (docker/cli, cli/context/store/metadatastore.go).
    /// </summary>
    private static string HostileDockerConfig(int canaryPort)
    {
        var folder = Directory.CreateTempSubdirectory("sandbox-canary-docker-config-").FullName;
        File.WriteAllText(Path.Combine(folder, "config.json"), """{ "currentContext": "prod" }""");
        var id = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes("prod")));
        var meta = Path.Combine(folder, "contexts", "meta", id);
        Directory.CreateDirectory(meta);
        File.WriteAllText(Path.Combine(meta, "meta.json"),
            $$"""{ "Name": "prod", "Metadata": {}, "Endpoints": { "docker": { "Host": "tcp://127.0.0.2:{{canaryPort}}", "SkipTLSVerify": false } } }""");
        return folder;
    }

    private static string? FindOnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, name)).FirstOrDefault(File.Exists);

    private static TopologySpec FixtureTopology() => TopologyLoader.Load(TopologyWorkspace.FixtureTopology);
}
