using NUnit.Framework;
using Sandbox.Harness.Guard;
using Sandbox.Harness.Guard.Internal;

namespace Sandbox.Harness.Tests.Guard;

/// <summary>
/// The config guard: values the sandbox Vault dials itself (a database <c>connection_url</c> in libpq's
/// <c>key=value</c> and URI spellings, <c>kubernetes_host</c>, <c>jwks_url</c>, <c>oidc_discovery_url</c>)
/// may name only an endpoint the sandbox runs. Each hostile value asserts the rule that refuses it and the
/// host or parameter it names; production is always named with its denylist rule, never as "does not parse".
/// </summary>
[TestFixture]
public sealed class VaultConfigGuardTests
{
    private const bool Blocked = false;
    private const bool Allowed = true;
    private const string ProdDb = "hosts:prod-db.internal";
    private const string LabDomain = "hosts:*.arcodange.lab";
    private const string NotOwned = GuardRules.ConfigNotSandboxEndpoint;
    private const string Owned = GuardRules.ConfigSandboxEndpoint;
    private const string ConnectionKind = "connection_url";
    private const string UrlKind = "url";

    /// <summary>The sandbox of these tests: its PostgreSQL on 127.0.0.1:54321 and a TokenReview stand-in on 127.0.0.1:41234.</summary>
    private static SandboxEndpointSet Sandbox() =>
        new SandboxEndpointSet().Add("127.0.0.1", 54321, "the sandbox's PostgreSQL").Add(new Uri("http://127.0.0.1:41234/"), "TokenReview stand-in");

    public static IEnumerable<TestCaseData> ConnectionStrings()
    {
        // The sandbox's own PostgreSQL, in several spellings.
        yield return Conn("postgresql://{{username}}:{{password}}@127.0.0.1:54321/postgres?sslmode=disable", Allowed, Owned, "127.0.0.1:54321", "URI");
        yield return Conn("host=127.0.0.1 port=54321 dbname=postgres user={{username}} password={{password}} sslmode=disable", Allowed, Owned, "127.0.0.1:54321", "key=value");
        yield return Conn("host=2130706433 port=54321", Allowed, Owned, "2130706433:54321", "decimal spelling of the same address");
        yield return Conn("host=127.0.0.1 hostaddr=127.0.0.1 port=54321", Allowed, Owned, "127.0.0.1:54321", "host and hostaddr both the sandbox's");
        yield return Conn("postgresql://127.0.0.1:54321/postgres?host=127.0.0.1", Allowed, Owned, "127.0.0.1:54321", "the same host twice");

        // Production, named with its rule (also where the string does not parse).
        yield return Conn("host=prod-db.internal port=5432 dbname=app", Blocked, ProdDb, "prod-db.internal", "key=value host");
        yield return Conn("host='prod-db.internal' port=5432", Blocked, ProdDb, "prod-db.internal", "quoted host");
        yield return Conn("hostaddr=10.43.0.10 port=5432", Blocked, "addresses:10.43.0.10", "10.43.0.10", "hostaddr");
        yield return Conn("hostaddr=0x0a2b000a port=5432", Blocked, "addresses:10.43.0.10", "0x0a2b000a", "hostaddr in hex");
        yield return Conn("host=db.arcodange.lab port=5432 sslrootcert=/tmp/ca.pem", Blocked, LabDomain, "db.arcodange.lab", "the host is named before the file parameter");
        yield return Conn("host=127.0.0.1,prod-db.internal port=54321", Blocked, ProdDb, "prod-db.internal", "production in a multi-host list");
        yield return Conn("postgresql://127.0.0.1:54321,prod-db.internal:5432/postgres", Blocked, ProdDb, "prod-db.internal", "production in a URI host list");
        yield return Conn("postgresql://127.0.0.1:54321/postgres?host=prod-db.internal", Blocked, ProdDb, "prod-db.internal", "URI query host");
        yield return Conn("postgresql://127.0.0.1:54321/postgres?hostaddr=192.168.1.20", Blocked, "addresses:192.168.1.0/24", "192.168.1.20", "URI query hostaddr");
        yield return Conn("postgresql://{{username}}:{{password}}@%70rod-db.internal:5432/app", Blocked, ProdDb, "prod-db.internal", "percent-encoded URI host");
        yield return Conn("host='prod-db.internal port=5432", Blocked, ProdDb, "prod-db.internal", "unclosed quote: does not parse, still named");
        yield return Conn("host=127.0.0.2 port=54321", Blocked, "addresses:127.0.0.2", "127.0.0.2", "a loopback canary declared production");

        // Other loopback ports and names: not the sandbox's.
        yield return Conn("host=127.0.0.1 port=5432", Blocked, NotOwned, "127.0.0.1:5432", "another loopback port");
        yield return Conn("host=127.0.0.1", Blocked, NotOwned, "127.0.0.1:5432", "no port: libpq's default 5432");
        yield return Conn("postgresql://127.0.0.1/postgres", Blocked, NotOwned, "127.0.0.1:5432", "URI without a port");
        yield return Conn("host=localhost port=54321", Blocked, NotOwned, "localhost:54321", "a name Vault resolves itself");
        yield return Conn("host=::1 port=54321", Blocked, NotOwned, "[::1]:54321", "another loopback address");
        yield return Conn("host=/var/run/postgresql port=54321", Blocked, NotOwned, "/var/run/postgresql (port 54321)", "a unix socket directory");
        yield return Conn("host=127.0.0.1 hostaddr=127.0.0.3 port=54321", Blocked, NotOwned, "127.0.0.3:54321", "hostaddr is what is dialled");
        yield return Conn("host=build-cache.internal port=54321", Blocked, NotOwned, "build-cache.internal:54321", "an allow-listed host the sandbox does not run");
        yield return Conn("host=203.0.113.9 port=54321", Blocked, NotOwned, "203.0.113.9:54321", "an allow-listed address the sandbox does not run");
        yield return Conn("host=db.example.com port=54321", Blocked, GuardRules.DefaultDeny, "db.example.com:54321", "any other host");
        yield return Conn("host=vault.localhost port=54321", Blocked, GuardRules.ConfigLocalhostName, "vault.localhost:54321", "*.localhost");
        yield return Conn("postgresql://pg.LOCALHOST.:54321/postgres", Blocked, GuardRules.ConfigLocalhostName, "pg.LOCALHOST.:54321", "*.localhost, upper case, trailing dot");

        // Several hosts or ports, no host.
        yield return Conn("host=127.0.0.1,127.0.0.3 port=54321", Blocked, GuardRules.ConfigMultiHost, "host=127.0.0.1,127.0.0.3", "host list");
        yield return Conn("hostaddr=127.0.0.1,127.0.0.3 port=54321", Blocked, GuardRules.ConfigMultiHost, "hostaddr=127.0.0.1,127.0.0.3", "hostaddr list");
        yield return Conn("host=127.0.0.1 port=54321,5432", Blocked, GuardRules.ConfigMultiHost, "port=54321,5432", "port list");
        yield return Conn("postgresql://127.0.0.1:54321,127.0.0.1:5432/postgres", Blocked, GuardRules.ConfigMultiHost, "port=54321,5432", "URI host list");
        yield return Conn("postgresql://127.0.0.1:54321/postgres?host=127.0.0.3", Blocked, GuardRules.ConfigMultiHost, "host=127.0.0.1,127.0.0.3", "URI authority and ?host= differ");
        yield return Conn("postgresql://127.0.0.1:54321/postgres?port=5432", Blocked, GuardRules.ConfigMultiHost, "port=54321,5432", "URI authority and ?port= differ");
        yield return Conn("dbname=postgres user={{username}}", Blocked, GuardRules.ConfigNoHost, "dbname=postgres user=user", "no host: PGHOST or a default socket");
        yield return Conn("postgresql:///postgres", Blocked, GuardRules.ConfigNoHost, "postgresql:///postgres", "URI without a host");

        // Parameters that name a file or take the target from one.
        foreach (var key in new[] { "sslrootcert", "sslcert", "sslkey", "passfile", "servicefile", "sslcrl", "sslcrldir" })
        {
            yield return Conn($"host=127.0.0.1 port=54321 {key}=/etc/prod/file", Blocked, GuardRules.ConfigFileParameter, $"{key}=/etc/prod/file", $"{key}= (key=value)");
            yield return Conn($"postgresql://127.0.0.1:54321/postgres?sslmode=verify-full&{key}=%2Fetc%2Fprod%2Ffile", Blocked, GuardRules.ConfigFileParameter, $"{key}=/etc/prod/file", $"{key}= (URI query)");
        }

        yield return Conn("host=127.0.0.1 port=54321 service=prod", Blocked, GuardRules.ConfigServiceParameter, "service=prod", "service= (key=value)");
        yield return Conn("postgresql://127.0.0.1:54321/postgres?service=prod", Blocked, GuardRules.ConfigServiceParameter, "service=prod", "service= (URI query)");
        yield return Conn("host=127.0.0.1 port=five", Blocked, GuardRules.ConfigNotAUrl, "port=five", "a port that is not a number");
    }

    public static IEnumerable<TestCaseData> Urls()
    {
        yield return Url("http://127.0.0.1:41234", Allowed, Owned, "127.0.0.1:41234", "the TokenReview stand-in");
        yield return Url("http://0x7f000001:41234/", Allowed, Owned, "127.0.0.1:41234", "the stand-in in hex");
        yield return Url("http://127.0.0.1:41235", Blocked, NotOwned, "127.0.0.1:41235", "another loopback port");
        yield return Url("http://127.0.0.1", Blocked, NotOwned, "127.0.0.1:80", "the default port");
        yield return Url("http://[::1]:41234", Blocked, NotOwned, "[::1]:41234", "another loopback address, same port");
        yield return Url("http://localhost:41234", Blocked, NotOwned, "localhost:41234", "a name Vault resolves itself");
        yield return Url("http://vault.localhost:41234", Blocked, GuardRules.ConfigLocalhostName, "vault.localhost:41234", "*.localhost");
        yield return Url("http://VAULT.LocalHost.:41234/", Blocked, GuardRules.ConfigLocalhostName, "vault.localhost.:41234", "*.localhost, mixed case, trailing dot");
        yield return Url("http://vault.arcodange.lab.localhost:41234", Blocked, GuardRules.ConfigLocalhostName, "vault.arcodange.lab.localhost:41234", "a production name under .localhost");
        yield return Url("https://vault.arcodange.lab", Blocked, "hosts:vault.arcodange.lab", "vault.arcodange.lab:443", "production");
        yield return Url("https://gitea.arcodange.lab/api/actions/.well-known/jwks", Blocked, "hosts:gitea.arcodange.lab", "gitea.arcodange.lab:443", "production JWKS");
        yield return Url("http://127.0.0.2:41234", Blocked, "addresses:127.0.0.2", "127.0.0.2:41234", "a loopback canary declared production");
        yield return Url("http://build-cache.internal:41234", Blocked, NotOwned, "build-cache.internal:41234", "allow-listed, not the sandbox's");
        yield return Url("https://api.example.com:6443", Blocked, GuardRules.DefaultDeny, "api.example.com:6443", "any other host");
        yield return Url("127.0.0.1:41234", Blocked, GuardRules.ConfigNotAUrl, "127.0.0.1:41234", "not an absolute URL");
    }

    [TestCaseSource(nameof(ConnectionStrings))]
    [TestCaseSource(nameof(Urls))]
    [CancelAfter(10_000)]
    public void DialledValue_GetsItsVerdict_RuleAndTarget(string value, string kind, bool allowed, string rule, string target, CancellationToken cancellationToken)
    {
        var guard = TestDenylists.Guard();

        var decision = guard.CheckVaultDialled(value, KindOf(kind), Sandbox(), "test");

        Assert.Multiple(() =>
        {
            Assert.That(decision.Allowed, Is.EqualTo(allowed), decision.Detail);
            Assert.That(decision.Rule, Is.EqualTo(rule), decision.Detail);
            Assert.That(decision.Target, Is.EqualTo(target).IgnoreCase, decision.Detail);
            Assert.That(guard.Audit.Entries.Single().Rule, Is.EqualTo(rule), "the decision is audited");
        });
    }

    [Test]
    [CancelAfter(10_000)]
    public void NoName_IsResolved_WhateverTheVerdict(CancellationToken cancellationToken)
    {
        var guard = TestDenylists.Guard();
        var asked = new List<string>();
        guard.Resolver = (name, _) =>
        {
            lock (asked)
            {
                asked.Add(name);
            }

            return Task.FromResult(Array.Empty<System.Net.IPAddress>());
        };

        foreach (var data in ConnectionStrings().Concat(Urls()))
        {
            guard.CheckVaultDialled((string)data.Arguments[0]!, KindOf((string)data.Arguments[1]!), Sandbox(), "test");
        }

        Assert.That(asked, Is.Empty, "the config guard judges names as written; Vault would resolve them, not the harness");
    }

    [Test]
    [CancelAfter(10_000)]
    public void WithoutTheSandbox_ProductionAndParametersAreStillRefused_AndLoopbackPasses(CancellationToken cancellationToken)
    {
        // Before a sandbox exists (a change file being loaded): what can be judged already is.
        var guard = TestDenylists.Guard();

        Assert.Multiple(() =>
        {
            Assert.That(guard.CheckVaultDialled("host=prod-db.internal port=5432", VaultDialledValue.PostgresConnection, null, "t").Rule, Is.EqualTo(ProdDb));
            Assert.That(guard.CheckVaultDialled("host=127.0.0.1 sslkey=/k", VaultDialledValue.PostgresConnection, null, "t").Rule, Is.EqualTo(GuardRules.ConfigFileParameter));
            Assert.That(guard.CheckVaultDialled("http://vault.localhost:1", VaultDialledValue.Url, null, "t").Rule, Is.EqualTo(GuardRules.ConfigLocalhostName));
            Assert.That(guard.CheckVaultDialled("host=127.0.0.1 port=5432", VaultDialledValue.PostgresConnection, null, "t").Allowed, Is.True);
            Assert.That(guard.CheckVaultDialled("http://127.0.0.1:6443", VaultDialledValue.Url, null, "t").Allowed, Is.True);
        });
    }

    [Test]
    [CancelAfter(10_000)]
    public void ARefusal_SaysWhichHostWhichRuleAndTheFix(CancellationToken cancellationToken)
    {
        var guard = TestDenylists.Guard();

        var production = guard.CheckVaultDialled("host=prod-db.internal port=5432 user=vault password=hunter2", VaultDialledValue.PostgresConnection, Sandbox(), "t");
        var otherPort = guard.CheckVaultDialled("http://127.0.0.1:41235", VaultDialledValue.Url, Sandbox(), "t");

        Assert.Multiple(() =>
        {
            Assert.That(production.Detail, Does.Contain("host=").And.Contain("prod-db.internal").And.Contain("Point it at the sandbox's PostgreSQL").And.Not.Contain("parse"));
            Assert.That(production.Detail, Does.Not.Contain("hunter2"));
            Assert.That(otherPort.Detail, Does.Contain("127.0.0.1:41235").And.Contain("not an endpoint this sandbox runs").And.Contain("127.0.0.1:54321 (the sandbox's PostgreSQL)").And.Contain("127.0.0.1:41234 (TokenReview stand-in)"));
        });
    }

    [TestCase("postgresql://vault:hunter2@127.0.0.1:5432/db?password=hunter3&sslmode=disable", "postgresql://127.0.0.1:5432/db?password=***&sslmode=disable")]
    [TestCase("host=127.0.0.1 password='hunter2' port=5432", "host=127.0.0.1 password=*** port=5432")]
    [CancelAfter(10_000)]
    public void AShownConnectionString_HoldsNoPassword(string value, string shown, CancellationToken cancellationToken) =>
        Assert.That(SandboxGuard.ShownConnection(value), Is.EqualTo(shown));

    private static VaultDialledValue KindOf(string kind) => kind == ConnectionKind ? VaultDialledValue.PostgresConnection : VaultDialledValue.Url;

    private static TestCaseData Conn(string value, bool allowed, string rule, string target, string why) =>
        new TestCaseData(value, ConnectionKind, allowed, rule, target).SetName($"connection_url: {why} ({(allowed ? "allowed" : rule)})");

    private static TestCaseData Url(string value, bool allowed, string rule, string target, string why) =>
        new TestCaseData(value, UrlKind, allowed, rule, target).SetName($"url: {why} ({(allowed ? "allowed" : rule)})");
}
