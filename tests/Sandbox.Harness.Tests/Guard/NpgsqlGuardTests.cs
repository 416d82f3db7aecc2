using System.Net;
using System.Net.Sockets;
using NUnit.Framework;
using Sandbox.Harness.Guard;

namespace Sandbox.Harness.Tests.Guard;

[TestFixture]
public sealed class NpgsqlGuardTests
{
    [TestCase("Host=vault.arcodange.lab;Username=app", "hosts:vault.arcodange.lab")]
    [TestCase("Host=3232235777;Username=app", "addresses:192.168.1.0/24")]
    [TestCase("Host=localhost,192.168.1.9:5433;Username=app", "addresses:192.168.1.0/24")]
    [TestCase("Host=[::ffff:192.168.1.5];Username=app", "addresses:192.168.1.0/24")]
    [TestCase("Host=db.example.com;Username=app", GuardRules.DefaultDeny)]
    [TestCase("Username=app", GuardRules.InvalidTarget)]
    [TestCase("Host=127.0.0.1;Username=app;Passfile=~/.arcodange/cluster-keys.json", "files:~/.arcodange/cluster-keys.json")]
    [CancelAfter(10000)]
    public void CreateNpgsqlDataSource_ProductionTarget_IsRefused(string connectionString, string rule, CancellationToken cancellationToken)
    {
        var guard = TestDenylists.Guard();

        var ex = Assert.Throws<GuardBlockedException>(() => guard.CreateNpgsqlDataSource(connectionString, "postgres-test"))!;

        Assert.That(ex.Decision.Rule, Is.EqualTo(rule));
    }

    [Test]
    [CancelAfter(10000)]
    public async Task CreateNpgsqlDataSource_NameResolvingToCanary_NeverConnects(CancellationToken cancellationToken)
    {
        var canary = new TcpListener(IPAddress.Parse("127.0.0.2"), 0);
        canary.Start();
        try
        {
            var port = ((IPEndPoint)canary.LocalEndpoint).Port;
            var guard = new SandboxGuard(Denylist.Parse("addresses: [127.0.0.2]\nallow: [pg.test]\n", "canary.yaml"), GuardAuditLog.InMemory());
            guard.Resolver = (_, _) => Task.FromResult(new[] { IPAddress.Parse("127.0.0.2") });

            Assert.Throws<GuardBlockedException>(() => guard.CreateNpgsqlDataSource($"Host=pg.test;Port={port};Username=app;Timeout=2", "postgres-test"));

            await Task.Delay(100, cancellationToken);
            Assert.That(canary.Pending(), Is.False, "the canary has a connection waiting");
        }
        finally
        {
            canary.Stop();
        }
    }

    [Test]
    [CancelAfter(10000)]
    public async Task CreateNpgsqlDataSource_Localhost_IsPinnedToTheCheckedAddresses(CancellationToken cancellationToken)
    {
        var guard = TestDenylists.Guard();

        await using var dataSource = guard.CreateNpgsqlDataSource("Host=localhost;Port=5999;Username=app;Password=not-logged", "postgres-test");

        Assert.Multiple(() =>
        {
            Assert.That(dataSource.ConnectionString, Does.Not.Contain("localhost"));
            Assert.That(dataSource.ConnectionString, Does.Contain("127.0.0.1").Or.Contain("[::1]"));
            Assert.That(dataSource.ConnectionString, Does.Not.Contain("not-logged"), "Npgsql hides the password");
            Assert.That(guard.Audit.Entries.Select(e => e.Rule), Has.All.EqualTo(GuardRules.Loopback));
        });
    }

    [Test]
    [CancelAfter(10000)]
    public async Task CreateNpgsqlDataSource_UnixSocketDirectory_IsAllowed(CancellationToken cancellationToken)
    {
        var guard = TestDenylists.Guard();

        await using var dataSource = guard.CreateNpgsqlDataSource("Host=/tmp/sbx-run;Port=54321;Username=postgres", "postgres-test");

        Assert.That(guard.Audit.Entries.Single().Rule, Is.EqualTo(GuardRules.UnixSocket));
    }
}
