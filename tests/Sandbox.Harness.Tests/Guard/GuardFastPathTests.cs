using NUnit.Framework;
using Sandbox.Harness.Guard;

namespace Sandbox.Harness.Tests.Guard;

/// <summary>
/// The guarded HTTP client's allocation-free check (<c>TryAllowLoopbackRequest</c>) against the full
/// check (<c>CheckUrl</c>): it may only ever take a request the full check allows as loopback, and then
/// records the same audit entry; everything else it leaves to the full check.
/// </summary>
[TestFixture]
public sealed class GuardFastPathTests
{
    /// <summary>Spellings near the fast path's edge, and every URL of the attack corpus.</summary>
    public static IEnumerable<TestCaseData> Urls()
    {
        string[] edges =
        [
            "http://127.0.0.1/", "http://127.0.0.1", "https://127.0.0.1:8200/v1/sys/health", "http://127.0.0.1:8200?x=1", "http://127.0.0.1#f",
            "http://127.1.2.3:9/", "http://127.255.255.255/",
            // Denylisted in the test denylist: the canary address, the sys URL prefix's host (127.0.0.1:8300/v1/sys/).
            "http://127.0.0.2/", "http://127.0.0.2:8200/v1/", "http://127.0.0.1:8300/v1/sys/health", "http://127.0.0.1:8300/v1/secret",
            // Other spellings of loopback and of the canary: only the full check reads them.
            "http://0x7f.1/", "http://0177.0.0.1/", "http://127.1/", "http://2130706433/", "http://127.000.000.001/", "http://0127.0.0.2/",
            "http://0x7f.0.0.2/", "HTTP://127.0.0.1/", "http://[::1]/", "http://[::ffff:127.0.0.2]/", "http://localhost/", "http://vault.localhost/",
            "http://127.0.0.1@127.0.0.2/", "http://127.0.0.1:1@192.168.1.5/", "http://u:p@127.0.0.1/", "http://127.0.0.1%2e/", "http:\\\\127.0.0.1\\",
            " http://127.0.0.1/", "http://127.0.0.1./", "http://127.0.0.1:/", "http://127.0.0.1:8200@vault.arcodange.lab/",
            "ws://127.0.0.1/", "tcp://127.0.0.1:1/", "postgres://127.0.0.1/", "ftp://127.0.0.1/",
            "http://192.168.1.5/", "http://10.43.0.10/", "http://203.0.113.7/", "http://8.8.8.8/", "http://0.0.0.0/",
        ];
        foreach (var url in edges.Where(u => Uri.TryCreate(u, UriKind.Absolute, out _)))
        {
            yield return new TestCaseData(url).SetName($"edge: {url}");
        }

        foreach (var target in AttackCorpusTests.Corpus().Select(c => (string)c.Arguments[0]!).Where(t => t.Contains("://", StringComparison.Ordinal) && Uri.TryCreate(t, UriKind.Absolute, out _)))
        {
            yield return new TestCaseData(target).SetName($"corpus: {target}");
        }
    }

    [TestCaseSource(nameof(Urls))]
    [CancelAfter(5000)]
    public void TheFastPath_TakesOnlyWhatTheFullCheckAllowsAsLoopback_AndRecordsTheSameEntry(string url, CancellationToken cancellationToken)
    {
        var uri = new Uri(url, UriKind.Absolute);
        var fast = TestDenylists.Guard();
        var full = TestDenylists.Guard();

        var taken = fast.TryAllowLoopbackRequest(uri, "fast-path");
        var decision = full.CheckUrl(uri, "fast-path");

        if (taken)
        {
            Assert.Multiple(() =>
            {
                Assert.That(decision.Allowed, Is.True, $"the fast path allowed what the full check refuses ({decision.Rule})");
                Assert.That(decision.Rule, Is.EqualTo(GuardRules.Loopback));
                var entry = fast.Audit.Entries.Single();
                var expected = full.Audit.Entries.Single();
                Assert.That((entry.Caller, entry.Target, entry.Allowed, entry.Rule), Is.EqualTo((expected.Caller, expected.Target, expected.Allowed, expected.Rule)));
            });
        }
        else
        {
            Assert.That(fast.Audit.Count, Is.Zero, "a request the fast path leaves to the full check is recorded once, by the full check");
        }
    }

    [Test]
    [CancelAfter(5000)]
    public void TheFastPath_IsTakenForThePlainLoopbackLiteral_AndNotForTheCanaryOrAPrefixedPort(CancellationToken cancellationToken)
    {
        var guard = TestDenylists.Guard();
        Assert.Multiple(() =>
        {
            Assert.That(guard.TryAllowLoopbackRequest(new Uri("http://127.0.0.1:8200/v1/sys/health"), "t"), Is.True);
            Assert.That(guard.TryAllowLoopbackRequest(new Uri("http://127.0.0.2:8200/"), "t"), Is.False, "addresses:127.0.0.2");
            Assert.That(guard.TryAllowLoopbackRequest(new Uri("http://127.0.0.1:8300/v1/secret"), "t"), Is.False, "a urls prefix names 127.0.0.1:8300");
            Assert.That(guard.TryAllowLoopbackRequest(new Uri("http://localhost:8300/v1/sys/"), "t"), Is.False, "a name is never the fast path");
            Assert.That(guard.Audit.Count, Is.EqualTo(1), "only the request the fast path took was recorded");
            Assert.That(Denylist.BuiltIn.DeniesIPv4(0xC0A80105), Is.True, "192.168.1.5 is in the built-in lab LAN");
        });
    }

    [Test]
    [CancelAfter(30_000)]
    public async Task TheGuardedClient_StillRefusesTheCanary_AndNamesTheRule(CancellationToken cancellationToken)
    {
        await using var canary = new LoopbackHttpServer(System.Net.IPAddress.Parse("127.0.0.2"));
        await using var sandbox = new LoopbackHttpServer(System.Net.IPAddress.Loopback);
        var guard = TestDenylists.Guard();
        using var client = guard.CreateHttpClient("fast-path");

        using (await client.GetAsync(new Uri($"http://127.0.0.1:{sandbox.Port}/"), cancellationToken))
        {
        }

        var blocked = Assert.ThrowsAsync<GuardBlockedException>(() => client.GetAsync(new Uri($"http://127.0.0.2:{canary.Port}/"), cancellationToken))!;
        Assert.Multiple(() =>
        {
            Assert.That(blocked.Decision.Rule, Is.EqualTo("addresses:127.0.0.2"));
            Assert.That(canary.AcceptedConnections, Is.Zero);
            Assert.That(sandbox.AcceptedConnections, Is.EqualTo(1));
            Assert.That(guard.Audit.Entries.Select(e => e.Rule), Does.Contain(GuardRules.Loopback).And.Contain("addresses:127.0.0.2"));
        });
    }
}
