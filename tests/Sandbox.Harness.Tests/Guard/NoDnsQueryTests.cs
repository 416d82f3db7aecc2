using System.Net;
using NUnit.Framework;
using Sandbox.Harness.Guard;
using Sandbox.Tests.Shared;

namespace Sandbox.Harness.Tests.Guard;

/// <summary>
/// No DNS query is sent for a name the guard would refuse anyway — a denylisted name, a name under a
/// denylisted suffix, a Unicode spelling of one, a name no rule allows — nor for a <c>*.localhost</c>
/// name, which is loopback by definition. Shown twice: through the guard's resolver seam (every lookup
/// counted) and, with the machine's real resolver, by strace on this process (no packet to port 53).
/// </summary>
[TestFixture]
[NonParallelizable] // strace watches the whole process
public sealed class NoDnsQueryTests
{
    /// <summary>Names the guard refuses before any lookup, with the rule that refuses each.</summary>
    private static readonly (string Name, string Rule)[] Refused =
    [
        ("vault.arcodange.lab", "hosts:vault.arcodange.lab"),
        ("deep.sub.arcodange.lab", "hosts:*.arcodange.lab"),
        ("vault.\u24D0rcodange.lab", "hosts:vault.arcodange.lab"),
        ("VAULT.ARCODANGE.LAB.", "hosts:vault.arcodange.lab"),
        ("prod-db.internal", "hosts:prod-db.internal"),
        ("nothing-allows-this.example", GuardRules.DefaultDeny),
    ];

    [Test]
    [CancelAfter(30_000)]
    public async Task RefusedNames_AndLocalhostNames_NeverReachTheResolver(CancellationToken cancellationToken)
    {
        await using var server = new LoopbackHttpServer(IPAddress.Loopback);
        var guard = TestDenylists.Guard();
        var lookups = new List<string>();
        guard.Resolver = (name, _) =>
        {
            lock (lookups)
            {
                lookups.Add(name);
            }

            return Task.FromResult(new[] { IPAddress.Loopback });
        };
        using var client = guard.CreateHttpClient("dns-test");

        var rules = new List<string>();
        foreach (var (name, _) in Refused)
        {
            rules.Add(Assert.ThrowsAsync<GuardBlockedException>(() => client.GetAsync(new Uri($"http://{name}:{server.Port}/"), cancellationToken))!.Decision.Rule);
            rules.Add(Assert.Throws<GuardBlockedException>(() => guard.CreateNpgsqlDataSource($"Host={name};Port=5432;Username=u;Password=p", "dns-test").Dispose())!.Decision.Rule);
        }

        // *.localhost is dialled on loopback, unresolved (the server answers).
        using var local = await client.GetAsync(new Uri($"http://vault.localhost:{server.Port}/"), cancellationToken);
        await using (guard.CreateNpgsqlDataSource("Host=pg.localhost;Port=5432;Username=u;Password=p", "dns-test"))
        {
        }

        var beforeControl = lookups.ToArray();

        // Control: an allow-listed name is resolved through the seam, so the empty count above means something.
        using var allowed = await client.GetAsync(new Uri($"http://build-cache.internal:{server.Port}/"), cancellationToken);

        Assert.Multiple(() =>
        {
            Assert.That(rules, Is.EqualTo(Refused.SelectMany(r => new[] { r.Rule, r.Rule })), "each name refused by its rule, over HTTP and PostgreSQL");
            Assert.That(local.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(beforeControl, Is.Empty, "a refused or *.localhost name was handed to the resolver");
            Assert.That(lookups, Is.EqualTo(new[] { "build-cache.internal" }), "the control name was resolved through the seam");
            Assert.That(allowed.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        });
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task UnderStrace_NoPacketGoesToPort53_ForARefusedOrLocalhostName(CancellationToken cancellationToken)
    {
        Requires.That(SyscallTrace.IsAvailable, "strace (to observe syscalls)", "apt-get install -y strace");
        await using var server = new LoopbackHttpServer(IPAddress.Loopback);
        var guard = TestDenylists.Guard(); // the machine's real resolver
        using var client = guard.CreateHttpClient("dns-test");

        IReadOnlyList<string> lines;
        var refusedRules = new List<string>();
        using (var trace = SyscallTrace.Start("%file,%network"))
        {
            foreach (var (name, _) in Refused)
            {
                refusedRules.Add(Assert.ThrowsAsync<GuardBlockedException>(() => client.GetAsync(new Uri($"http://{name}:{server.Port}/"), cancellationToken))!.Decision.Rule);
                refusedRules.Add(Assert.Throws<GuardBlockedException>(() => guard.CreateNpgsqlDataSource($"Host={name};Port=5432;Username=u;Password=p", "dns-test").Dispose())!.Decision.Rule);
            }

            using var local = await client.GetAsync(new Uri($"http://vault.localhost:{server.Port}/"), cancellationToken);
            Assert.That(local.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            lines = trace.StopLines();
        }

        var dns = lines.Where(l => l.Contains("htons(53)", StringComparison.Ordinal) || l.Contains("/nscd/", StringComparison.Ordinal)).ToArray();
        Assert.Multiple(() =>
        {
            Assert.That(refusedRules, Is.EqualTo(Refused.SelectMany(r => new[] { r.Rule, r.Rule })));

            // Control: strace saw this process's own loopback connection, so it watches the connect path.
            Assert.That(lines.Any(l => l.Contains("connect(", StringComparison.Ordinal) && l.Contains($"htons({server.Port})", StringComparison.Ordinal)), Is.True, "strace did not see the loopback connect");
            Assert.That(dns, Is.Empty, "a DNS lookup was made: " + string.Join("\n", dns));
        });
    }
}
