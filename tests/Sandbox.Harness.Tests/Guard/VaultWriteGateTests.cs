using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using NUnit.Framework;
using Sandbox.Harness.Guard;
using Sandbox.Harness.Guard.Internal;
using Sandbox.Harness.Runtimes;
using Sandbox.Harness.Runtimes.Plan;
using Sandbox.Harness.Runtimes.Plan.Internal;
using Sandbox.Harness.Vault;
using Sandbox.Harness.Vault.Models;
using Sandbox.Harness.Tests.Support;
using Server = Sandbox.Harness.Tests.Support.LoopbackHttpServer;

namespace Sandbox.Harness.Tests.Guard;

/// <summary>
/// Nothing outside the config guard writes a value the sandbox Vault dials itself (<c>connection_url</c>,
/// <c>kubernetes_host</c>, <c>jwks_url</c>, <c>oidc_discovery_url</c>): every body the guarded client sends
/// passes the write gate, driven here through the Vault client's real write methods against a loopback
/// server that records what reaches it; and no harness code can make an HTTP client that bypasses the gate.
/// </summary>
[TestFixture]
public sealed partial class VaultWriteGateTests
{
    private const string Caller = "write-gate";

    /// <summary>A write of a production value through each real write path, with the rule and production host that must refuse it.</summary>
    public static IEnumerable<TestCaseData> ProductionWrites()
    {
        yield return Write("database connection_url, URI", c => c.DatabaseWriteConnectionAsync("postgres", "app", new DatabaseConnectionConfig { ConnectionUrl = "postgresql://{{username}}:{{password}}@vault.arcodange.lab:5432/postgres" }),
            "hosts:vault.arcodange.lab", "vault.arcodange.lab");
        yield return Write("database connection_url, key=value", c => c.DatabaseWriteConnectionAsync("postgres", "app", new DatabaseConnectionConfig { ConnectionUrl = "host=127.0.0.2 port=5432 dbname=postgres" }),
            "addresses:127.0.0.2", "127.0.0.2");
        yield return Write("kubernetes_host", c => c.KubernetesWriteConfigAsync("kubernetes", new KubernetesAuthConfig { KubernetesHost = "https://10.43.0.10:443" }),
            "addresses:10.43.0.10", "10.43.0.10");
        yield return Write("jwks_url", c => c.JwtWriteConfigAsync("jwt", new JwtAuthConfig { JwksUrl = "https://gitea.arcodange.lab/api/jwks" }),
            "hosts:gitea.arcodange.lab", "gitea.arcodange.lab");
        yield return Write("oidc_discovery_url, decimal address", c => c.JwtWriteConfigAsync("jwt", new JwtAuthConfig { OidcDiscoveryUrl = "http://2130706434:8200/" }),
            "addresses:127.0.0.2", "127.0.0.2");
        yield return Write("a generic KV write hiding connection_url one level down", c => c.KvV1WriteAsync("secret", "x", new JsonObject { ["nested"] = new JsonObject { ["connection_url"] = "postgresql://u:p@192.168.1.5/db" } }),
            "addresses:192.168.1.0/24", "192.168.1.5");
        yield return Write("jwks_pairs[].jwks_url (Vault 1.16+)", c => c.KvV2WriteAsync("secret", "x", new JsonObject { ["jwks_pairs"] = new JsonArray(new JsonObject { ["jwks_url"] = "https://vault.arcodange.lab/jwks" }) }),
            "hosts:vault.arcodange.lab", "vault.arcodange.lab");
        yield return Write("upper-case key", c => c.KvV1WriteAsync("secret", "x", new JsonObject { ["KUBERNETES_HOST"] = "https://ＶＡＵＬＴ.arcodange.lab" }),
            "hosts:vault.arcodange.lab", "vault.arcodange.lab");
    }

    [TestCaseSource(nameof(ProductionWrites))]
    [CancelAfter(10_000)]
    public async Task AProductionValue_WrittenThroughAnyWritePath_IsRefusedByTheConfigGuard_BeforeAByteIsSent(Func<VaultClient, Task> write, string rule, string host, CancellationToken cancellationToken)
    {
        await using var server = new Server(_ => CannedResponse.NoContent());
        var guard = TestDenylists.Guard();
        using var http = guard.CreateHttpClient(Caller);
        var vault = new VaultClient(server.Address, http).WithToken("sandbox-root");

        var blocked = Assert.ThrowsAsync<GuardBlockedException>(() => write(vault))!;

        Assert.Multiple(() =>
        {
            Assert.That(blocked.Decision.Rule, Is.EqualTo(rule), blocked.Message);
            Assert.That(blocked.Message, Does.Contain(host), "the refusal names the production host");
            Assert.That(server.ConnectionCount, Is.Zero, "nothing reached the sandbox Vault");
            Assert.That(guard.Audit.Entries[^1].Rule, Is.EqualTo(rule));
        });
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task AFileParameterInAConnectionUrl_IsRefusedByTheGate(CancellationToken cancellationToken)
    {
        await using var server = new Server(_ => CannedResponse.NoContent());
        var guard = TestDenylists.Guard();
        using var http = guard.CreateHttpClient(Caller);
        var vault = new VaultClient(server.Address, http).WithToken("sandbox-root");

        var blocked = Assert.ThrowsAsync<GuardBlockedException>(() => vault.DatabaseWriteConnectionAsync("postgres", "app",
            new DatabaseConnectionConfig { ConnectionUrl = "postgresql://{{username}}:{{password}}@127.0.0.1:5432/postgres?sslrootcert=/etc/vault.d/ca.pem" }, cancellationToken))!;

        Assert.Multiple(() =>
        {
            Assert.That(blocked.Decision.Rule, Does.StartWith("config-guard:").Or.StartWith("files:"), blocked.Message);
            Assert.That(server.ConnectionCount, Is.Zero);
        });
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task SandboxValues_PassTheConfigGuard_AndAreSent(CancellationToken cancellationToken)
    {
        await using var server = new Server(_ => CannedResponse.NoContent());
        var guard = TestDenylists.Guard();
        using var http = guard.CreateHttpClient(Caller);
        var vault = new VaultClient(server.Address, http).WithToken("sandbox-root");

        await vault.DatabaseWriteConnectionAsync("postgres", "app", new DatabaseConnectionConfig { ConnectionUrl = "postgresql://{{username}}:{{password}}@127.0.0.1:5433/postgres?sslmode=disable" }, cancellationToken);
        await vault.KubernetesWriteConfigAsync("kubernetes", new KubernetesAuthConfig { KubernetesHost = "https://127.0.0.1:6443" }, cancellationToken);
        await vault.JwtWriteConfigAsync("jwt", new JwtAuthConfig { JwksUrl = "http://127.0.0.1:8400/jwks", BoundIssuer = "https://gitea.arcodange.lab" }, cancellationToken);

        // The config guard records the host and port it judged ("127.0.0.1:5433"), not the request URL.
        var judged = guard.Audit.Entries.Where(e => e.Caller == Caller && Regex.IsMatch(e.Target, @"^127\.0\.0\.1:\d+$")).Select(e => e.Target).ToArray();
        Assert.Multiple(() =>
        {
            Assert.That(server.RequestCount, Is.EqualTo(3));
            Assert.That(judged, Is.EquivalentTo(new[] { "127.0.0.1:5433", "127.0.0.1:6443", "127.0.0.1:8400" }), "each dialled value passed the config guard; bound_issuer is compared, never dialled");
        });
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task ASandboxClusterServiceName_IsSentOnlyAfterTheReplayCheckedItAgainstTheSandbox(CancellationToken cancellationToken)
    {
        await using var server = new Server(_ => CannedResponse.NoContent());
        var guard = TestDenylists.Guard();
        using var http = guard.CreateHttpClient(Caller);
        var vault = new VaultClient(server.Address, http).WithToken("sandbox-root");
        var config = new KubernetesAuthConfig { KubernetesHost = "https://kubernetes.default.svc" };

        // Not checked against a sandbox: the gate's own check knows no cluster and refuses the name.
        var before = Assert.ThrowsAsync<GuardBlockedException>(() => vault.KubernetesWriteConfigAsync("kubernetes", config, cancellationToken))!;
        Assert.That(server.ConnectionCount, Is.Zero);

        // The replay's check, against the endpoints the k3d sandbox runs, passes it; the same value is then sent.
        var replay = guard.CheckVaultDialled(config.KubernetesHost, VaultDialledValue.Url, new SandboxEndpointSet().AddClusterService("kubernetes.default.svc"), "replay");
        await vault.KubernetesWriteConfigAsync("kubernetes", config, cancellationToken);

        Assert.Multiple(() =>
        {
            Assert.That(before.Decision.Rule, Is.EqualTo(GuardRules.DefaultDeny));
            Assert.That(replay.Allowed, Is.True, replay.Detail);
            Assert.That(server.RequestCount, Is.EqualTo(1));
            Assert.That(guard.Audit.Entries.Where(e => e.Caller == Caller).Select(e => e.Rule), Does.Contain(GuardRules.ConfigSandboxEndpoint), "the gate passed the value the replay had checked");
        });
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task AFormBodyNamingADialledField_CannotBeJudged_AndIsRefused(CancellationToken cancellationToken)
    {
        await using var server = new Server(_ => CannedResponse.NoContent());
        var guard = TestDenylists.Guard();
        using var http = guard.CreateHttpClient(Caller);
        using var form = new FormUrlEncodedContent([new("connection_url", "postgresql://u:p@127.0.0.1/db")]);

        var blocked = Assert.ThrowsAsync<GuardBlockedException>(() => http.PostAsync(new Uri(server.Address, "/v1/postgres/config/app"), form, cancellationToken))!;

        Assert.Multiple(() =>
        {
            Assert.That(blocked.Decision.Rule, Is.EqualTo(GuardRules.ConfigUncheckedWrite));
            Assert.That(server.ConnectionCount, Is.Zero);
        });
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task ThePlanRecorder_PassesEveryBodyThroughTheGate(CancellationToken cancellationToken)
    {
        var folder = Directory.CreateTempSubdirectory("sandbox-write-gate-plan-").FullName;
        try
        {
            var guard = TestDenylists.Guard();
            var plan = new SandboxPlan(RuntimeKind.Process, folder);
            using var http = new HttpClient(new VaultWriteRecorder(plan, guard));
            var vault = new VaultClient(new Uri("http://127.0.0.1:8200"), http).WithToken(SandboxPlan.Redacted);

            var blocked = Assert.ThrowsAsync<GuardBlockedException>(() => vault.KubernetesWriteConfigAsync("kubernetes", new KubernetesAuthConfig { KubernetesHost = "https://vault.arcodange.lab" }, cancellationToken))!;
            await vault.KubernetesWriteConfigAsync("kubernetes", new KubernetesAuthConfig { KubernetesHost = "https://127.0.0.1:6443" }, cancellationToken);

            Assert.Multiple(() =>
            {
                Assert.That(blocked.Decision.Rule, Is.EqualTo("hosts:vault.arcodange.lab"));
                Assert.That(plan.VaultWrites, Has.Count.EqualTo(1), "only the sandbox value was recorded");
            });
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>
    /// Structural: the only HTTP clients and handlers the harness, the CLI and the scenarios make are the
    /// guard's (whose redirect handler runs the write gate) and the plan's recorder (which runs it too), so
    /// every Vault write the harness makes — replay, scenarios, rehearse, the parity check — passes the gate.
    /// </summary>
    [Test]
    [CancelAfter(30_000)]
    public void NoHarnessCode_MakesAnHttpClientOrHandler_OutsideTheGuardAndThePlanRecorder(CancellationToken cancellationToken)
    {
        var root = SandboxCheckout.FindRoot(TestContext.CurrentContext.TestDirectory);
        Assert.That(root, Is.Not.Null, "the test runs from a checkout");
        var allowed = new Dictionary<string, string[]>(StringComparer.Ordinal)
        {
            ["harness/Sandbox.Harness/Guard/SandboxGuard.Http.cs"] = ["new SocketsHttpHandler", "new HttpClient"],
            ["harness/Sandbox.Harness/Guard/Internal/GuardedRedirectHandler.cs"] = [": DelegatingHandler"],
            ["harness/Sandbox.Harness/Runtimes/Plan/SandboxPlanner.cs"] = ["new HttpClient"],
            ["harness/Sandbox.Harness/Runtimes/Plan/Internal/VaultWriteRecorder.cs"] = [": HttpMessageHandler"],
        };

        var found = new List<string>();
        var sources = new[] { "harness", "scenarios" }.Select(d => Path.Combine(root!, d))
            .SelectMany(d => Directory.EnumerateFiles(d, "*.cs", SearchOption.AllDirectories))
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal) && !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .ToList();
        foreach (var file in sources)
        {
            var relative = Path.GetRelativePath(root!, file).Replace('\\', '/');
            foreach (Match m in HttpMaker().Matches(File.ReadAllText(file)))
            {
                var what = Regex.Replace(m.Value, @"\s+", " ");
                if (!(allowed.TryGetValue(relative, out var ok) && ok.Any(o => what.StartsWith(o, StringComparison.Ordinal))))
                {
                    found.Add($"{relative}: {what}");
                }
            }
        }

        Assert.Multiple(() =>
        {
            Assert.That(sources, Has.Count.GreaterThan(100), "the harness's sources were found");
            Assert.That(found, Is.Empty, "an HTTP client or handler outside the guard could write to Vault without the write gate");
        });
    }

    [GeneratedRegex(@"new\s+(HttpClient|SocketsHttpHandler|HttpClientHandler|HttpMessageInvoker|WinHttpHandler)\b|:\s*(HttpMessageHandler|DelegatingHandler|HttpClient)\b|(HttpClient|HttpMessageHandler|HttpMessageInvoker)\??\s+\w+\s*=\s*new\s*\(|IHttpClientFactory")]
    private static partial Regex HttpMaker();

    private static TestCaseData Write(string name, Func<VaultClient, Task> write, string rule, string host) =>
        new TestCaseData(write, rule, host).SetName($"Refused: {name}");
}
