using NUnit.Framework;
using Sandbox.Harness.Guard;
using Sandbox.Harness.Replay;
using Sandbox.Harness.Runtimes;

namespace Sandbox.Harness.Tests.Replay;

/// <summary>
/// The config guard: a value that would make the sandbox Vault itself dial production is refused,
/// naming the key and the rule, before anything is written.
/// </summary>
[TestFixture]
public sealed class ConfigGuardTests
{
    private const string TestDenylist = """
        hosts: [pg.prod.example, "*.arcodange.lab"]
        addresses: [10.43.0.10]
        """;

    private ReplaySandbox? _sandbox;

    private static SandboxGuard ProductionGuard() => new(Denylist.Parse(TestDenylist, "test denylist"), GuardAuditLog.InMemory());

    private ReplaySandbox Sandbox => _sandbox ?? throw new InvalidOperationException("no sandbox");

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        _sandbox = await ReplaySandbox.StartAsync(cts.Token);
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        if (_sandbox is not null)
        {
            await _sandbox.DisposeAsync();
        }
    }

    public static IEnumerable<TestCaseData> Refused()
    {
        yield return new TestCaseData(new ReplayOptions { ConnectionUrl = "postgresql://{{username}}:{{password}}@pg.prod.example:5432/app" }, "postgres/config/postgres connection_url", "database.connection")
            .SetName("ConnectionUrl_ToAProductionHost_IsRefused");
        yield return new TestCaseData(new ReplayOptions { KubernetesHost = "https://10.43.0.10:443" }, "auth/kubernetes/config kubernetes_host", "auth.kubernetes")
            .SetName("KubernetesHost_ToTheProductionApiAddress_IsRefused");
        yield return new TestCaseData(new ReplayOptions { JwksUrl = "https://gitea.arcodange.lab/api/actions/.well-known/jwks" }, "auth/jwt/config jwks_url", "auth.jwt")
            .SetName("JwksUrl_ToProductionGitea_IsRefused");
        yield return new TestCaseData(new ReplayOptions { OidcDiscoveryUrl = "https://GITEA.arcodange.lab./api/actions" }, "auth/jwt/config oidc_discovery_url", "auth.jwt")
            .SetName("OidcDiscoveryUrl_ToProductionGitea_MixedCaseTrailingDot_IsRefused");
        yield return new TestCaseData(new ReplayOptions { KubernetesHost = "https://api.example.com:6443" }, "auth/kubernetes/config kubernetes_host", "auth.kubernetes")
            .SetName("KubernetesHost_ToAnyNonLoopbackHostNotAllowed_IsRefused");
        yield return new TestCaseData(
            new ReplayOptions { Postgres = new PostgresEndpoint("127.0.0.1", 5432, "postgres", "unused"), KubernetesHost = "http://127.0.0.1:6443", SandboxEndpoints = [new Uri("http://127.0.0.1:6443")], JwtValidationPubkeys = ["unused"], OidcDiscoveryUrl = "https://vault.arcodange.lab" },
            "auth/jwt/config oidc_discovery_url", "auth.jwt")
            .SetName("OneBadValue_AmongGoodOnes_StopsTheWholeReplay");
    }

    public static IEnumerable<TestCaseData> NotTheSandboxs()
    {
        var postgres = new PostgresEndpoint("127.0.0.1", 54321, "postgres", "unused");
        yield return new TestCaseData(new ReplayOptions { ConnectionUrl = "host=pg.prod.example port=5432 dbname=app user={{username}} password={{password}}" }, "postgres/config/postgres connection_url", "hosts:pg.prod.example", "pg.prod.example")
            .SetName("ConnectionUrl_LibpqKeyValueNamingProduction_IsRefused_NamingTheHostAndRule");
        yield return new TestCaseData(new ReplayOptions { Postgres = postgres, ConnectionUrl = "postgresql://{{username}}:{{password}}@127.0.0.1:54321,pg.prod.example:5432/postgres" }, "postgres/config/postgres connection_url", "hosts:pg.prod.example", "pg.prod.example")
            .SetName("ConnectionUrl_MultiHostUriWithProduction_IsRefused_NamingTheHost");
        yield return new TestCaseData(new ReplayOptions { Postgres = postgres, ConnectionUrl = "postgresql://{{username}}:{{password}}@127.0.0.1:54321/postgres?sslrootcert=/etc/ssl/prod-ca.pem" }, "postgres/config/postgres connection_url", GuardRules.ConfigFileParameter, "sslrootcert=/etc/ssl/prod-ca.pem")
            .SetName("ConnectionUrl_SslRootCertQueryParameter_IsRefused");
        yield return new TestCaseData(new ReplayOptions { Postgres = postgres, ConnectionUrl = "host=127.0.0.1 port=54321 service=prod" }, "postgres/config/postgres connection_url", GuardRules.ConfigServiceParameter, "service=prod")
            .SetName("ConnectionUrl_Service_IsRefused");
        yield return new TestCaseData(new ReplayOptions { Postgres = postgres, KubernetesHost = "http://127.0.0.1:6443" }, "auth/kubernetes/config kubernetes_host", GuardRules.ConfigNotSandboxEndpoint, "127.0.0.1:6443")
            .SetName("KubernetesHost_OnALoopbackPortTheSandboxDoesNotRun_IsRefused");
        yield return new TestCaseData(new ReplayOptions { Postgres = postgres, ConnectionUrl = "postgresql://{{username}}:{{password}}@127.0.0.1:5432/postgres" }, "postgres/config/postgres connection_url", GuardRules.ConfigNotSandboxEndpoint, "127.0.0.1:5432")
            .SetName("ConnectionUrl_OnAnotherLoopbackPort_IsRefused");
        yield return new TestCaseData(new ReplayOptions { JwtValidationPubkeys = ["unused"], JwksUrl = "http://vault.localhost:8200/jwks" }, "auth/jwt/config jwks_url", GuardRules.ConfigLocalhostName, "vault.localhost:8200")
            .SetName("JwksUrl_OnALocalhostName_IsRefused");
    }

    [TestCaseSource(nameof(NotTheSandboxs))]
    [CancelAfter(60_000)]
    // ReplayOptions is internal to the library and a test method is public: it arrives as object.
    public async Task AnEndpointTheSandboxDoesNotRun_IsRefused_NamingKeyHostRule_AndNothingIsWritten(object replayOptions, string key, string rule, string target, CancellationToken cancellationToken)
    {
        var options = (ReplayOptions)replayOptions;
        var policiesBefore = (await Sandbox.Root.ListPoliciesAsync(cancellationToken)).Order(StringComparer.Ordinal).ToArray();
        var authBefore = (await Sandbox.Root.ListAuthMethodsAsync(cancellationToken)).Keys.Order(StringComparer.Ordinal).ToArray();

        var e = Assert.ThrowsAsync<ReplayConfigGuardException>(() => Sandbox.Replayer(ProductionGuard()).ReplayAsync(Sandbox.Topology, options, cancellationToken))!;

        Assert.Multiple(() =>
        {
            Assert.That(e.Key, Is.EqualTo(key));
            Assert.That(e.Decision.Rule, Is.EqualTo(rule));
            Assert.That(e.Decision.Target, Is.EqualTo(target));
            Assert.That(e.Message, Does.Contain(key).And.Contain($"'{target}'").And.Contain("rule " + rule).And.Contain("Nothing was written").And.Not.Contain("does not parse"));
            Assert.That(e.Message, Does.Not.Contain("unused").And.Not.Contain("{{password}}"));
        });
        Assert.That((await Sandbox.Root.ListPoliciesAsync(cancellationToken)).Order(StringComparer.Ordinal), Is.EqualTo(policiesBefore), "no policy was written");
        Assert.That((await Sandbox.Root.ListAuthMethodsAsync(cancellationToken)).Keys.Order(StringComparer.Ordinal), Is.EqualTo(authBefore), "no auth method was written");
    }

    [TestCaseSource(nameof(Refused))]
    [CancelAfter(60_000)]
    // ReplayOptions is internal to the library and a test method is public: it arrives as object.
    public async Task DenylistedEndpoint_IsRefusedBeforeAnyWrite(object replayOptions, string key, string section, CancellationToken cancellationToken)
    {
        var options = (ReplayOptions)replayOptions;
        var mountsBefore = (await Sandbox.Root.ListSecretsEnginesAsync(cancellationToken)).Keys.Order(StringComparer.Ordinal).ToArray();
        var authBefore = (await Sandbox.Root.ListAuthMethodsAsync(cancellationToken)).Keys.Order(StringComparer.Ordinal).ToArray();
        var policiesBefore = (await Sandbox.Root.ListPoliciesAsync(cancellationToken)).Order(StringComparer.Ordinal).ToArray();

        var e = Assert.ThrowsAsync<ReplayConfigGuardException>(() => Sandbox.Replayer(ProductionGuard()).ReplayAsync(Sandbox.Topology, options, cancellationToken));

        Assert.That(e!.Key, Is.EqualTo(key));
        Assert.That(e.ExitCode, Is.EqualTo(ExitCode.GuardBlocked));
        Assert.That(e.Decision.Allowed, Is.False);
        Assert.That(e.Decision.Rule, Is.Not.Empty);
        Assert.That(e.Message, Does.Contain(key).And.Contain("rule " + e.Decision.Rule).And.Contain(section).And.Contain("topology.yaml").And.Contain("Nothing was written"));
        Assert.That(e.Message, Does.Not.Contain("{{password}}").And.Not.Contain("unused"));
        Assert.That((await Sandbox.Root.ListSecretsEnginesAsync(cancellationToken)).Keys.Order(StringComparer.Ordinal), Is.EqualTo(mountsBefore), "no mount was written");
        Assert.That((await Sandbox.Root.ListAuthMethodsAsync(cancellationToken)).Keys.Order(StringComparer.Ordinal), Is.EqualTo(authBefore), "no auth method was written");
        Assert.That((await Sandbox.Root.ListPoliciesAsync(cancellationToken)).Order(StringComparer.Ordinal), Is.EqualTo(policiesBefore), "no policy was written");
    }

    [Test]
    [CancelAfter(10_000)]
    public void AValueThatIsNotAUrl_IsRefused_NamingTheKey(CancellationToken cancellationToken)
    {
        var e = Assert.Throws<ReplayConfigGuardException>(() => TopologyReplayer.Validate(Sandbox.Topology, new ReplayOptions { KubernetesHost = "10.43.0.10:443" }, ProductionGuard()));

        Assert.That(e!.Key, Is.EqualTo("auth/kubernetes/config kubernetes_host"));
        Assert.That(e.Message, Does.Contain("not an absolute URL"));
    }

    [Test]
    [CancelAfter(10_000)]
    public void TheSandboxsOwnEndpoints_PassTheGuard_AndEachCheckIsAudited(CancellationToken cancellationToken)
    {
        using var audit = GuardAuditLog.InMemory();
        var guard = new SandboxGuard(Denylist.Parse(TestDenylist, "test denylist"), audit);
        var options = new ReplayOptions
        {
            Postgres = new PostgresEndpoint("127.0.0.1", 54321, "postgres", "unused"),
            KubernetesHost = "http://127.0.0.1:6443",
            JwksUrl = "http://[::1]:8080/jwks",
            SandboxEndpoints = [new Uri("http://127.0.0.1:6443"), new Uri("http://[::1]:8080/")],
        };

        Assert.DoesNotThrow(() => TopologyReplayer.Validate(Sandbox.Topology, options, guard));

        var replayChecks = audit.Entries.Where(a => a.Caller == TopologyReplayer.GuardCaller).ToArray();
        Assert.That(replayChecks, Has.Length.EqualTo(3));
        Assert.That(replayChecks.All(a => a.Verdict == "allowed"), Is.True);
    }
}
