using System.Text.Json;
using NUnit.Framework;
using Sandbox.Harness.Guard;

namespace Sandbox.Harness.Tests.Guard;

[TestFixture]
public sealed class GuardAuditLogTests
{
    [Test]
    [CancelAfter(10000)]
    public void Decisions_AreRecordedWithTimeFromTheInjectedClock(CancellationToken cancellationToken)
    {
        var clock = new FixedClock(new DateTimeOffset(2026, 11, 28, 9, 0, 0, TimeSpan.Zero));
        var guard = new SandboxGuard(TestDenylists.Lab(), GuardAuditLog.InMemory(), clock);

        guard.CheckUrl("http://127.0.0.1:8200/", "vault-client");
        clock.Now = clock.Now.AddSeconds(5);
        guard.CheckKubeContext("arcodange", "k3d-runtime");

        var entries = guard.Audit.Entries;
        Assert.Multiple(() =>
        {
            Assert.That(entries, Has.Count.EqualTo(2));
            Assert.That(entries[0], Is.EqualTo(new GuardAuditEntry(new DateTimeOffset(2026, 11, 28, 9, 0, 0, TimeSpan.Zero), "vault-client", "http://127.0.0.1:8200/", true, GuardRules.Loopback)));
            Assert.That(entries[1], Is.EqualTo(new GuardAuditEntry(new DateTimeOffset(2026, 11, 28, 9, 0, 5, TimeSpan.Zero), "k3d-runtime", "arcodange", false, "kubeContexts:arcodange*")));
            Assert.That(entries[1].Verdict, Is.EqualTo("blocked"));
        });
    }

    [Test]
    [CancelAfter(20000)]
    public void Record_FromManyThreads_LosesNothing(CancellationToken cancellationToken)
    {
        using var audit = GuardAuditLog.InMemory();
        var guard = new SandboxGuard(TestDenylists.Lab(), audit);

        Parallel.For(0, 8, new ParallelOptions { CancellationToken = cancellationToken }, t =>
        {
            for (var i = 0; i < 1000; i++)
            {
                guard.CheckHost(i % 2 == 0 ? "127.0.0.1" : "vault.arcodange.lab", $"thread-{t}");
            }
        });

        Assert.Multiple(() =>
        {
            Assert.That(audit.Count, Is.EqualTo(8000));
            Assert.That(audit.Entries, Has.Count.EqualTo(8000));
            Assert.That(audit.Entries.Count(e => e.Allowed), Is.EqualTo(4000));
        });
    }

    [Test]
    [CancelAfter(10000)]
    public void InMemory_KeepsOnlyTheLatestEntriesButCountsAll(CancellationToken cancellationToken)
    {
        using var audit = GuardAuditLog.InMemory(capacity: 3);
        var guard = new SandboxGuard(Denylist.Empty, audit);

        foreach (var host in new[] { "a.test", "b.test", "c.test", "d.test", "e.test" })
        {
            guard.CheckHost(host, "t");
        }

        Assert.Multiple(() =>
        {
            Assert.That(audit.Count, Is.EqualTo(5));
            Assert.That(audit.Entries.Select(e => e.Target), Is.EqualTo((string[])["c.test", "d.test", "e.test"]));
        });
    }

    [Test]
    [CancelAfter(10000)]
    public void ToFile_WritesOneJsonObjectPerDecision(CancellationToken cancellationToken)
    {
        var path = Path.Combine(Path.GetTempPath(), $"guard-audit-{Guid.NewGuid():N}", "audit.jsonl");
        try
        {
            using (var audit = GuardAuditLog.ToFile(path))
            {
                var guard = new SandboxGuard(TestDenylists.Lab(), audit);
                guard.CheckUrl("https://vault.arcodange.lab/v1/sys/unseal", "drill");
                guard.CheckFile("/tmp/sbx/keys.json", "key-store");
            }

            var lines = File.ReadAllLines(path);
            Assert.That(lines, Has.Length.EqualTo(2));
            using var first = JsonDocument.Parse(lines[0]);
            using var second = JsonDocument.Parse(lines[1]);
            Assert.Multiple(() =>
            {
                Assert.That(first.RootElement.GetProperty("caller").GetString(), Is.EqualTo("drill"));
                Assert.That(first.RootElement.GetProperty("target").GetString(), Is.EqualTo("https://vault.arcodange.lab/v1/sys/unseal"));
                Assert.That(first.RootElement.GetProperty("verdict").GetString(), Is.EqualTo("blocked"));
                Assert.That(first.RootElement.GetProperty("rule").GetString(), Is.EqualTo("hosts:vault.arcodange.lab"));
                Assert.That(first.RootElement.TryGetProperty("time", out _), Is.True);
                Assert.That(second.RootElement.GetProperty("verdict").GetString(), Is.EqualTo("allowed"));
            });
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(path)!, recursive: true);
        }
    }

    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;

        public override DateTimeOffset GetUtcNow() => Now;
    }
}
