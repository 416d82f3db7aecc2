using System.Net;
using System.Net.Sockets;
using System.Text;
using CliWrap;
using NUnit.Framework;
using Sandbox.Harness.Guard;
using Sandbox.Harness.Replay;
using Sandbox.Harness.Topology;
using Sandbox.Harness.Vault;
using Sandbox.Scenarios.Infrastructure;

namespace Sandbox.Scenarios.Suites;

/// <summary>
/// Denylist: the run's canary "production" listener (127.0.0.2, a random port, declared in the
/// run's denylist) is attacked directly through every client the harness makes — HTTP in every
/// address spelling and through a redirect, the Vault client, Npgsql, child processes — and must
/// accept zero connections. Every other suite checks the same count in its final steady state.
/// </summary>
[TestFixture]
[Category("Denylist")]
[NonParallelizable]
public sealed class DenylistScenarios : ScenarioSuite
{
    protected override string SuiteName => "denylist";

    private static CanaryListener Canary => Env.Canary;

    [Test]
    [CancelAfter(60_000)]
    public async Task The_canary_is_production_in_the_run_denylist_the_vault_double_loads_too(CancellationToken cancellationToken)
    {
        var decision = Env.Guard.CheckAddress(CanaryListener.Address, "scenario denylist");
        Assert.Multiple(() =>
        {
            Assert.That(decision.Allowed, Is.False, "the canary address is refused although it is loopback");
            Assert.That(decision.Rule, Is.EqualTo("addresses:127.0.0.2"), "refused by the run's denylist entry");
            Assert.That(Environment.GetEnvironmentVariable(Denylist.EnvironmentVariable), Is.EqualTo(Env.DenylistFile),
                "SANDBOX_DENYLIST names the run's file, so the Vault double (a child process) loads the canary entry too");
            Assert.That(Denylist.Resolve(null).Addresses, Does.Contain("127.0.0.2"));
            Assert.That(Denylist.Resolve(null).Files, Is.SupersetOf(Denylist.BuiltIn.Files), "the built-in production entries stay in force");
        });
        Timeline.Asserted($"canary {CanaryListener.Address}:{Canary.Port} is denylisted ({decision.Rule})");
        await AssertSteadyStateAsync(Sandbox, cancellationToken);
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task The_guarded_http_client_never_reaches_the_canary_in_any_spelling_or_through_a_redirect(CancellationToken cancellationToken)
    {
        var port = Canary.Port;
        string[] urls =
        [
            $"http://127.0.0.2:{port}/v1/sys/health",
            $"http://2130706434:{port}/",
            $"http://0x7f000002:{port}/",
            $"http://0177.0.0.02:{port}/",
            $"http://127.2:{port}/",
            $"http://[::ffff:127.0.0.2]:{port}/",
            $"http://sandbox@127.0.0.2:{port}/",
            $"http://127.0.0.2.:{port}/",
        ];
        using var http = Env.Guard.CreateHttpClient("scenario denylist");
        foreach (var url in urls)
        {
            var e = Assert.CatchAsync(() => http.GetAsync(new Uri(url), cancellationToken), url)!;
            Assert.That(FindGuard(e), Is.Not.Null, $"{url}: refused by the guard, not by the network ({e.GetType().Name}: {e.Message})");
            Timeline.Observe($"blocked: {url}");
        }

        // An allowed loopback server that redirects to the canary.
        using var redirect = new TcpListener(IPAddress.Loopback, 0);
        redirect.Start();
        var redirectPort = ((IPEndPoint)redirect.LocalEndpoint).Port;
        var serve = ServeRedirectAsync(redirect, $"http://127.0.0.2:{port}/stolen", cancellationToken);
        var viaRedirect = Assert.CatchAsync(() => http.GetAsync(new Uri($"http://127.0.0.1:{redirectPort}/start"), cancellationToken))!;
        Assert.That(FindGuard(viaRedirect), Is.Not.Null, $"a redirect to the canary is refused before it is followed ({viaRedirect.Message})");
        Assert.That(await serve, Is.EqualTo(1), "the allowed server was reached (so the refusal is the redirect's)");
        Timeline.Observe("blocked: a redirect from an allowed loopback server to the canary");

        var vault = new VaultClient(new Uri($"http://127.0.0.2:{port}"), http);
        Assert.ThrowsAsync<GuardBlockedException>(() => vault.GetSealStatusAsync(cancellationToken), "the Vault client aimed at the canary");
        Timeline.Observe("blocked: the Vault client aimed at the canary");

        Assert.That(Canary.Connections, Is.Zero, "the canary accepted no connection");
        await AssertSteadyStateAsync(Sandbox, cancellationToken);
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task Npgsql_never_reaches_the_canary(CancellationToken cancellationToken)
    {
        string[] connectionStrings =
        [
            $"Host=127.0.0.2;Port={Canary.Port};Username=postgres;Password=x;Database=postgres;Timeout=3",
            $"Host=127.0.0.1,127.0.0.2;Port={Canary.Port};Username=postgres;Password=x;Database=postgres;Timeout=3",
            $"Host=2130706434;Port={Canary.Port};Username=postgres;Password=x;Database=postgres;Timeout=3",
        ];
        foreach (var cs in connectionStrings)
        {
            var e = Assert.CatchAsync(async () =>
            {
                await using var source = Env.Guard.CreateNpgsqlDataSource(cs, "scenario denylist");
                await using var connection = await source.OpenConnectionAsync(cancellationToken);
            })!;
            Assert.That(FindGuard(e), Is.Not.Null, $"Npgsql to {cs.Split(';')[0]}: refused by the guard ({e.GetType().Name}: {e.Message})");
            Timeline.Observe($"blocked: Npgsql {cs.Split(';')[0]}");
        }

        Assert.That(Canary.Connections, Is.Zero);
        await AssertSteadyStateAsync(Sandbox, cancellationToken);
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task Child_processes_naming_the_canary_are_refused_before_they_start(CancellationToken cancellationToken)
    {
        var commands = new[]
        {
            Cli.Wrap("curl").WithArguments(["-s", $"http://127.0.0.2:{Canary.Port}/"]),
            Cli.Wrap("psql").WithArguments(["-h", "127.0.0.2", "-p", Canary.Port.ToString(System.Globalization.CultureInfo.InvariantCulture)]),
            Cli.Wrap("vault").WithArguments(["status", $"-address=http://127.0.0.2:{Canary.Port}"]),
            Cli.Wrap("sh").WithArguments(["-c", "true"]).WithEnvironmentVariables(env => env.Set("VAULT_ADDR", $"http://127.0.0.2:{Canary.Port}")),
        };
        foreach (var command in commands)
        {
            var e = Assert.Throws<GuardBlockedException>(() => Env.Guard.GuardCommand(command, "scenario denylist"), command.TargetFilePath)!;
            Timeline.Observe($"refused: {command.TargetFilePath} ({e.Decision.Rule})");
        }

        Assert.That(Canary.Connections, Is.Zero);
        await AssertSteadyStateAsync(Sandbox, cancellationToken);
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task Replay_refuses_to_point_the_sandbox_vault_at_the_canary(CancellationToken cancellationToken)
    {
        // Configuration that would make Vault itself dial somewhere is checked before it is written.
        var topology = ScenarioTopology.Load();
        var port = Canary.Port;
        var attempts = new (string What, ReplayOptions Options)[]
        {
            ("database connection_url", new ReplayOptions { ConnectionUrl = $"postgresql://{{{{username}}}}:{{{{password}}}}@127.0.0.2:{port}/postgres?sslmode=disable" }),
            ("kubernetes_host", new ReplayOptions { KubernetesHost = $"https://127.0.0.2:{port}" }),
            ("jwks_url", new ReplayOptions { JwksUrl = $"http://127.0.0.2:{port}/jwks" }),
            ("oidc_discovery_url", new ReplayOptions { OidcDiscoveryUrl = $"http://2130706434:{port}/" }),
        };
        var policiesBefore = await Sandbox.Root.ListPoliciesAsync(cancellationToken);
        foreach (var (what, options) in attempts)
        {
            var e = Assert.ThrowsAsync<ReplayConfigGuardException>(() => new TopologyReplayer(Sandbox.Root, Env.Guard).ReplayAsync(topology, options, cancellationToken), what)!;
            Assert.That(e.ExitCode, Is.EqualTo(global::Sandbox.Harness.ExitCode.GuardBlocked), what);
            Timeline.Observe($"replay refused {what} naming the canary");
        }

        Assert.That(await Sandbox.Root.ListPoliciesAsync(cancellationToken), Is.EquivalentTo(policiesBefore), "refused before any write");
        Assert.That(Canary.Connections, Is.Zero);
        await AssertSteadyStateAsync(Sandbox, cancellationToken);
    }

    [Test]
    [CancelAfter(30_000)]
    public async Task Control_an_unguarded_socket_does_reach_a_canary_so_the_count_can_fail(CancellationToken cancellationToken)
    {
        // A second canary of the same kind, not the run's: the run's must stay at zero.
        await using var control = new CanaryListener();
        using (var raw = new TcpClient())
        {
            await raw.ConnectAsync(CanaryListener.Address, control.Port, cancellationToken);
        }

        var counted = await EventuallyAsync(() => Task.FromResult(control.Connections == 1), TimeSpan.FromSeconds(5), TimeSpan.FromMilliseconds(20), cancellationToken);
        Assert.That(counted, Is.True, "a raw socket that bypasses the guard is counted by a canary");
        Timeline.Observe("control: an unguarded socket reached a control canary and was counted");
        await AssertSteadyStateAsync(Sandbox, cancellationToken);
    }

    private static GuardBlockedException? FindGuard(Exception? e)
    {
        for (; e is not null; e = e.InnerException)
        {
            if (e is GuardBlockedException blocked)
            {
                return blocked;
            }
        }

        return null;
    }

    private static async Task<int> ServeRedirectAsync(TcpListener listener, string location, CancellationToken cancellationToken)
    {
        using var client = await listener.AcceptTcpClientAsync(cancellationToken);
        var stream = client.GetStream();
        var buffer = new byte[4096];
        _ = await stream.ReadAsync(buffer, cancellationToken);
        var response = $"HTTP/1.1 302 Found\r\nLocation: {location}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(response), cancellationToken);
        return 1;
    }
}
