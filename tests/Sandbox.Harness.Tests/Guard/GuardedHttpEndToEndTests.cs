using System.Net;
using NUnit.Framework;
using Sandbox.Harness.Guard;

namespace Sandbox.Harness.Tests.Guard;

/// <summary>
/// A "production" listener on 127.0.0.2 is declared in the denylist; the guarded client is driven
/// at it directly in every address form, through redirects from an allowed server on 127.0.0.1, and
/// through a name that resolves to it. The listener must accept zero connections every time.
/// </summary>
[TestFixture]
public sealed class GuardedHttpEndToEndTests
{
    private static readonly IPAddress Canary = IPAddress.Parse("127.0.0.2");

    private static readonly string[] CanaryForms =
    [
        "127.0.0.2", "127.0.0.2.", "2130706434", "0x7f000002", "0177.0.0.2", "0x7f.0.0.2", "127.2",
        "127.000.000.002", "[::ffff:127.0.0.2]", "[::ffff:7f00:2]",
    ];

    public static IEnumerable<TestCaseData> Forms() => CanaryForms.Select(f => new TestCaseData(f).SetArgDisplayNames(f));

    [TestCaseSource(nameof(Forms))]
    [CancelAfter(15000)]
    public async Task Get_CanaryInAnyAddressForm_IsBlockedBeforeConnecting(string form, CancellationToken cancellationToken)
    {
        await using var canary = new LoopbackHttpServer(Canary);
        var guard = Guard();
        using var client = guard.CreateHttpClient("e2e");

        var ex = Assert.ThrowsAsync<GuardBlockedException>(() => client.GetAsync(new Uri($"http://{form}:{canary.Port}/v1/sys/health"), cancellationToken))!;

        await AssertNoConnectionAsync(canary);
        Assert.Multiple(() =>
        {
            Assert.That(ex.Decision.Rule, Is.EqualTo("addresses:127.0.0.2"));
            Assert.That(ex.ExitCode, Is.EqualTo(ExitCode.GuardBlocked));
            Assert.That(guard.Audit.Entries.Any(e => !e.Allowed && e.Rule == "addresses:127.0.0.2"), Is.True);
        });
    }

    [TestCaseSource(nameof(Forms))]
    [CancelAfter(15000)]
    public async Task Get_RedirectFromAllowedServerToCanary_IsBlockedBeforeFollowing(string form, CancellationToken cancellationToken)
    {
        await using var canary = new LoopbackHttpServer(Canary);
        await using var allowed = new LoopbackHttpServer(IPAddress.Loopback, _ => (302, $"http://{form}:{canary.Port}/v1/secret"));
        using var client = Guard().CreateHttpClient("e2e");

        var ex = Assert.ThrowsAsync<GuardBlockedException>(() => client.GetAsync(new Uri($"http://127.0.0.1:{allowed.Port}/start"), cancellationToken))!;

        await AssertNoConnectionAsync(canary);
        Assert.Multiple(() =>
        {
            Assert.That(ex.Decision.Rule, Is.EqualTo("addresses:127.0.0.2"));
            Assert.That(allowed.AcceptedConnections, Is.EqualTo(1), "the allowed server was asked once");
        });
    }

    [TestCase(301)]
    [TestCase(303)]
    [TestCase(307)]
    [TestCase(308)]
    [CancelAfter(15000)]
    public async Task Post_RedirectChainEndingAtCanary_IsBlocked(int status, CancellationToken cancellationToken)
    {
        await using var canary = new LoopbackHttpServer(Canary);
        await using var allowed = new LoopbackHttpServer(IPAddress.Loopback, path => path switch
        {
            "/start" => (status, "/hop"),
            "/hop" => (status, $"http://2130706434:{canary.Port}/x"),
            _ => (404, null),
        });
        using var client = Guard().CreateHttpClient("e2e");
        using var content = new StringContent("{}");

        Assert.ThrowsAsync<GuardBlockedException>(() => client.PostAsync(new Uri($"http://localhost:{allowed.Port}/start"), content, cancellationToken));

        await AssertNoConnectionAsync(canary);
        Assert.That(allowed.AcceptedConnections, Is.EqualTo(2), "both hops on the allowed server were followed");
    }

    [Test]
    [CancelAfter(15000)]
    public async Task Get_NameResolvingToCanary_IsBlockedAtConnectTime(CancellationToken cancellationToken)
    {
        await using var canary = new LoopbackHttpServer(Canary);
        var guard = Guard("allow: [vault-cache.test]\n");
        guard.Resolver = (name, _) => Task.FromResult(name == "vault-cache.test" ? new[] { Canary } : []);
        using var client = guard.CreateHttpClient("e2e");

        var ex = Assert.ThrowsAsync<GuardBlockedException>(() => client.GetAsync(new Uri($"http://vault-cache.test:{canary.Port}/"), cancellationToken))!;

        await AssertNoConnectionAsync(canary);
        Assert.Multiple(() =>
        {
            Assert.That(ex.Decision.Rule, Is.EqualTo("addresses:127.0.0.2"));
            Assert.That(ex.Decision.Target, Is.EqualTo("vault-cache.test -> 127.0.0.2"));
        });
    }

    [Test]
    [CancelAfter(15000)]
    public async Task Get_NameResolvingToLoopbackAndCanary_IsBlockedOutright(CancellationToken cancellationToken)
    {
        await using var canary = new LoopbackHttpServer(Canary);
        await using var allowed = new LoopbackHttpServer(IPAddress.Loopback);
        var guard = Guard("allow: [split.test]\n");
        guard.Resolver = (_, _) => Task.FromResult(new[] { IPAddress.Loopback, Canary });
        using var client = guard.CreateHttpClient("e2e");

        Assert.ThrowsAsync<GuardBlockedException>(() => client.GetAsync(new Uri($"http://split.test:{canary.Port}/"), cancellationToken));

        await AssertNoConnectionAsync(canary);
        Assert.That(allowed.AcceptedConnections, Is.Zero);
    }

    [Test]
    [CancelAfter(15000)]
    public async Task Get_DenylistedNameResolvingToLoopback_IsBlockedByName(CancellationToken cancellationToken)
    {
        await using var allowed = new LoopbackHttpServer(IPAddress.Loopback);
        var guard = Guard("hosts: [vault.arcodange.lab]\n");
        guard.Resolver = (_, _) => Task.FromResult(new[] { IPAddress.Loopback });
        using var client = guard.CreateHttpClient("e2e");

        var ex = Assert.ThrowsAsync<GuardBlockedException>(() => client.GetAsync(new Uri($"http://VAULT.arcodange.lab.:{allowed.Port}/"), cancellationToken))!;

        await AssertNoConnectionAsync(allowed);
        Assert.That(ex.Decision.Rule, Is.EqualTo("hosts:vault.arcodange.lab"));
    }

    [Test]
    [CancelAfter(15000)]
    public async Task Get_HandlerWithoutRedirectFollowing_StillRefusesAtConnect(CancellationToken cancellationToken)
    {
        await using var canary = new LoopbackHttpServer(Canary);
        using var invoker = new HttpMessageInvoker(Guard().CreateHttpHandler("e2e"));
        using var request = new HttpRequestMessage(HttpMethod.Get, $"http://[::ffff:127.0.0.2]:{canary.Port}/");

        var ex = Assert.ThrowsAsync<HttpRequestException>(() => invoker.SendAsync(request, cancellationToken))!;

        await AssertNoConnectionAsync(canary);
        Assert.That(ex.InnerException, Is.TypeOf<GuardBlockedException>());
    }

    [Test]
    [CancelAfter(15000)]
    public async Task Get_AllowedLoopbackWithRedirect_IsFollowedAndAnswered(CancellationToken cancellationToken)
    {
        await using var second = new LoopbackHttpServer(IPAddress.Loopback);
        await using var first = new LoopbackHttpServer(IPAddress.Loopback, _ => (302, $"http://localhost:{second.Port}/landed"));
        var guard = Guard();
        using var client = guard.CreateHttpClient("e2e");
        using var request = new HttpRequestMessage(HttpMethod.Get, $"http://127.0.0.1:{first.Port}/start");
        request.Headers.Add("X-Vault-Token", "test-token-value");

        using var response = await client.SendAsync(request, cancellationToken);

        Assert.Multiple(() =>
        {
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(second.AcceptedConnections, Is.EqualTo(1));
            Assert.That(first.RequestHeads.Single(), Does.Contain("X-Vault-Token"));
            Assert.That(second.RequestHeads.Single(), Does.Contain("GET /landed").And.Not.Contain("X-Vault-Token"), "credentials are dropped when the redirect changes origin");
            Assert.That(guard.Audit.Entries.Where(e => e.Allowed).Select(e => e.Rule), Has.All.EqualTo(GuardRules.Loopback));
        });
    }

    [Test]
    [CancelAfter(15000)]
    public async Task Get_TooManyRedirects_ReturnsTheLastRedirect(CancellationToken cancellationToken)
    {
        await using var loop = new LoopbackHttpServer(IPAddress.Loopback, _ => (302, "/again"));
        using var client = Guard().CreateHttpClient("e2e");

        using var response = await client.GetAsync(new Uri($"http://127.0.0.1:{loop.Port}/"), cancellationToken);

        Assert.Multiple(() =>
        {
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Found));
            Assert.That(loop.AcceptedConnections, Is.EqualTo(6), "the first request and 5 redirects");
        });
    }

    [Test]
    [CancelAfter(15000)]
    public async Task Canary_UnguardedClient_IsReached_SoTheZeroCountsMeanSomething(CancellationToken cancellationToken)
    {
        await using var canary = new LoopbackHttpServer(Canary);
        using var unguarded = new HttpClient();

        using var response = await unguarded.GetAsync(new Uri($"http://2130706434:{canary.Port}/"), cancellationToken);

        Assert.That(canary.AcceptedConnections, Is.EqualTo(1));
    }

    private static SandboxGuard Guard(string extraYaml = "")
    {
        var denylist = Denylist.Parse("addresses: [127.0.0.2]\n", "canary.yaml");
        if (extraYaml.Length > 0)
        {
            denylist = denylist.Merge(Denylist.Parse(extraYaml, "extra.yaml"));
        }

        return new SandboxGuard(denylist, GuardAuditLog.InMemory());
    }

    private static async Task AssertNoConnectionAsync(LoopbackHttpServer server)
    {
        // Give a connection that might have been made time to be accepted before counting.
        await Task.Delay(100);
        Assert.That(server.AcceptedConnections, Is.Zero, "the production listener accepted a connection");
    }
}
