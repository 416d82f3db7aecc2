using CliWrap;
using CliWrap.Buffered;
using NUnit.Framework;
using Sandbox.Harness.Guard;

namespace Sandbox.Harness.Tests.Guard;

[TestFixture]
[NonParallelizable]
public sealed class ChildProcessGuardTests
{
    private static readonly string[] Scrubbed = ["VAULT_TOKEN", "VAULT_ADDR", "BAO_TOKEN", "PGPASSWORD", "SANDBOX_TEST_SECRET", "GITEA_RUNNER_TOKEN", "HTTPS_PROXY", "ACTIONS_ID_TOKEN_REQUEST_URL", "KUBECONFIG"];
    private readonly Dictionary<string, string?> _saved = [];

    [SetUp]
    public void SetUp()
    {
        foreach (var name in Scrubbed.Append("DOCKER_HOST"))
        {
            _saved[name] = Environment.GetEnvironmentVariable(name);
            Environment.SetEnvironmentVariable(name, name == "DOCKER_HOST" ? null : "parent-value-of-" + name);
        }
    }

    [TearDown]
    public void TearDown()
    {
        foreach (var (name, value) in _saved)
        {
            Environment.SetEnvironmentVariable(name, value);
        }
    }

    [Test]
    [CancelAfter(20000)]
    public async Task GuardCommand_RealChild_SeesScrubbedEnvironmentAndPrivateKubeconfig(CancellationToken cancellationToken)
    {
        var guard = TestDenylists.Guard();
        var kubeconfig = Path.Combine(Path.GetTempPath(), "sbx-run", "kubeconfig");
        var command = guard.GuardCommand(Cli.Wrap("/usr/bin/env").WithEnvironmentVariables(e => e.Set("VAULT_ADDR", "http://127.0.0.1:8200")), "test", kubeconfig);

        var result = await command.ExecuteBufferedAsync(cancellationToken);
        var lines = result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries);

        Assert.Multiple(() =>
        {
            foreach (var name in Scrubbed.Except(["VAULT_ADDR", "KUBECONFIG"]))
            {
                Assert.That(lines.Any(l => l.StartsWith(name + "=", StringComparison.Ordinal)), Is.False, $"{name} reached the child");
            }

            Assert.That(lines, Does.Contain("VAULT_ADDR=http://127.0.0.1:8200"), "an explicit, allowed value is kept");
            Assert.That(lines, Does.Contain("KUBECONFIG=" + kubeconfig));
            Assert.That(lines.Any(l => l.StartsWith("HOME=", StringComparison.Ordinal)), Is.True, "HOME is left alone");
            Assert.That(result.StandardOutput, Does.Not.Contain("parent-value-of-"));
        });
    }

    public static IEnumerable<TestCaseData> RefusedCommands()
    {
        yield return Refused("kubectl", "--context arcodange get pods", "kubeContexts:arcodange*");
        yield return Refused("kubectl", "--context=prod get pods", "kubeContexts:prod");
        yield return Refused("kubectl", "config use-context arcodange-admin", "kubeContexts:arcodange*");
        yield return Refused("helm", "--kube-context ARCODANGE list", "kubeContexts:arcodange*");
        yield return Refused("kubectl", "--kubeconfig ~/.kube/config get pods", GuardRules.ForeignKubeconfig);
        yield return Refused("kubectl", "--kubeconfig=/tmp/other/kubeconfig get pods", GuardRules.ForeignKubeconfig);
        yield return Refused("cat", "~/.kube/config", GuardRules.ForeignKubeconfig);
        yield return Refused("k3d", "cluster create sbx-1", GuardRules.ForeignKubeconfig);
        yield return Refused("k3d", "cluster create sbx-1 --kubeconfig-update-default=false --kubeconfig-switch-context", GuardRules.ForeignKubeconfig);
        yield return Refused("curl", "https://vault.arcodange.lab/v1/sys/health", "hosts:vault.arcodange.lab");
        yield return Refused("curl", "http://3232235777/", "addresses:192.168.1.0/24");
        yield return Refused("psql", "-h 192.168.1.5 -U app", "addresses:192.168.1.0/24");
        yield return Refused("psql", "-h PROD-DB.internal. -U app", "hosts:prod-db.internal");
        yield return Refused("helm", "install v hashicorp/vault --set server.externalUrl=http://gitea.arcodange.lab:3000", "hosts:gitea.arcodange.lab");
        yield return Refused("ssh", "admin@vault.arcodange.lab", "hosts:vault.arcodange.lab");
        yield return Refused("vault", "operator unseal -address=http://[::ffff:192.168.1.5]:8200", "addresses:192.168.1.0/24");
        yield return Refused("cat", "~/.arcodange/cluster-keys.json", "files:~/.arcodange/cluster-keys.json");
        yield return Refused("cp", "/tmp/x ~/.arcodange/../.arcodange/cluster-keys.json", "files:~/.arcodange/cluster-keys.json");
        yield return Refused("curl", "http://127.0.0.1:8300/v1/sys/seal", "urls:http://127.0.0.1:8300/v1/sys/");
        yield return Refused("vault", "status -address=http://10.9.9.9:8200", GuardRules.DefaultDeny);
        yield return Refused("kubectl", "--server https://example.com:6443 get pods", GuardRules.DefaultDeny);
        yield return Refused("psql", "--host=db.example.com -U app", GuardRules.DefaultDeny);
        yield return Refused("docker", "-H tcp://10.9.9.9:2375 ps", GuardRules.DefaultDeny);
    }

    [TestCaseSource(nameof(RefusedCommands))]
    [CancelAfter(10000)]
    public void GuardCommand_ArgumentNamingProduction_IsRefused(string program, string arguments, string rule, CancellationToken cancellationToken)
    {
        var guard = TestDenylists.Guard();
        var kubeconfig = Path.Combine(Path.GetTempPath(), "sbx-run", "kubeconfig");

        var ex = Assert.Throws<GuardBlockedException>(() => guard.GuardCommand(Cli.Wrap(program).WithArguments(arguments), "test", kubeconfig))!;

        Assert.Multiple(() =>
        {
            Assert.That(ex.Decision.Rule, Is.EqualTo(rule));
            Assert.That(ex.Message, Does.Contain($"refused to start '{program}'"));
            Assert.That(guard.Audit.Entries[^1].Allowed, Is.False);
        });
    }

    [TestCase("VAULT_ADDR", "http://vault.arcodange.lab:8200", "hosts:vault.arcodange.lab")]
    [TestCase("VAULT_ADDR", "http://10.9.9.9:8200", GuardRules.DefaultDeny)]
    [TestCase("KUBECONFIG", "/root/.kube/config", GuardRules.ForeignKubeconfig)]
    [TestCase("PGHOST", "192.168.1.5", "addresses:192.168.1.0/24")]
    [CancelAfter(10000)]
    public void GuardCommand_ExplicitVariableNamingProduction_IsRefused(string name, string value, string rule, CancellationToken cancellationToken)
    {
        var guard = TestDenylists.Guard();
        var command = Cli.Wrap("vault").WithArguments("status").WithEnvironmentVariables(e => e.Set(name, value));

        var ex = Assert.Throws<GuardBlockedException>(() => guard.GuardCommand(command, "test", "/tmp/sbx/kubeconfig"))!;

        Assert.That(ex.Decision.Rule, Is.EqualTo(rule));
    }

    [TestCase("k3d", "cluster create sbx-1 --kubeconfig-update-default=false --kubeconfig-switch-context=false --api-port 127.0.0.1:6550")]
    [TestCase("kubectl", "--kubeconfig /tmp/sbx-run/kubeconfig --context k3d-sbx-1 get pods -n tools")]
    [TestCase("helm", "install hashicorp-vault hashicorp/vault -n tools --set server.dataStorage.enabled=true")]
    [TestCase("docker", "run --rm -p 127.0.0.1:8200:8200 hashicorp/vault:1.17.2")]
    [TestCase("pg_ctl", "-D /tmp/sbx-run/pg -o \"-p 54321 -k /tmp/sbx-run\" start")]
    [TestCase("vault", "status -address=http://127.0.0.1:8200")]
    [TestCase("psql", "--host=/tmp/sbx-run -p 54321 -U postgres")]
    [TestCase("docker", "-H unix:///var/run/docker.sock ps")]
    [TestCase("curl", "-s -H \"X-Vault-Token: abc\" http://127.0.0.1:8200/v1/sys/health")]
    [CancelAfter(10000)]
    public void GuardCommand_SandboxCommands_AreAllowed(string program, string arguments, CancellationToken cancellationToken)
    {
        var guard = TestDenylists.Guard();

        var command = guard.GuardCommand(Cli.Wrap(program).WithArguments(arguments), "test", "/tmp/sbx-run/kubeconfig");

        Assert.Multiple(() =>
        {
            Assert.That(command.Arguments, Is.EqualTo(arguments));
            Assert.That(command.EnvironmentVariables["VAULT_TOKEN"], Is.Null);
            Assert.That(command.EnvironmentVariables["KUBECONFIG"], Is.EqualTo("/tmp/sbx-run/kubeconfig"));
        });
    }

    [Test]
    [CancelAfter(10000)]
    public void ChildEnvironment_DockerHostOnProduction_IsRefused(CancellationToken cancellationToken)
    {
        Environment.SetEnvironmentVariable("DOCKER_HOST", "tcp://192.168.1.20:2375");
        var guard = TestDenylists.Guard();

        var ex = Assert.Throws<GuardBlockedException>(() => guard.ChildEnvironment("docker", null))!;

        Assert.That(ex.Message, Does.Contain("DOCKER_HOST"));
    }

    [TestCase("unix:///var/run/docker.sock")]
    [TestCase("tcp://127.0.0.1:2375")]
    [CancelAfter(10000)]
    public void ChildEnvironment_LocalDockerHost_IsKept(string dockerHost, CancellationToken cancellationToken)
    {
        Environment.SetEnvironmentVariable("DOCKER_HOST", dockerHost);
        var guard = TestDenylists.Guard();

        var environment = guard.ChildEnvironment("docker", null);

        Assert.Multiple(() =>
        {
            Assert.That(environment.ContainsKey("DOCKER_HOST"), Is.False, "DOCKER_HOST is inherited unchanged by docker");
            Assert.That(guard.ChildEnvironment("kubectl", null)["DOCKER_HOST"], Is.Null, "kubectl has no use for DOCKER_HOST");
            Assert.That(environment["KUBECONFIG"], Is.Null, "no kubeconfig given: none inherited either");
            Assert.That(environment["SANDBOX_TEST_SECRET"], Is.Null, "denylist env entries are removed");
            Assert.That(environment["GITEA_RUNNER_TOKEN"], Is.Null, "denylist env globs are removed");
        });
    }

    private static TestCaseData Refused(string program, string arguments, string rule) =>
        new TestCaseData(program, arguments, rule).SetArgDisplayNames($"{program} {arguments}");
}
