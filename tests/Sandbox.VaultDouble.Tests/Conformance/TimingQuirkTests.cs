using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using NUnit.Framework.Constraints;
using Sandbox.VaultDouble.Tests.Infrastructure;

namespace Sandbox.VaultDouble.Tests.Conformance;

/// <summary>
/// Vault's timing quirks, which the double reproduces by default: whole-second TTL arithmetic
/// (sdk/framework/lease.go CalculateTTL), the kv v2 upgrade window (vault-plugin-secrets-kv
/// upgrade.go), the revocation retry base of 10 s (vault/expiration.go), the gap between dropping a
/// lease's role and deleting the lease, and the cluster listener bound at every unseal
/// (vault/core.go startClusterListener). This fixture runs the double with a long lease-delete
/// lag (400 ms) so the gap can be seen; the cases marked double-only say why.
/// </summary>
[TestFixture, Category("Postgres"), CancelAfter(90_000)]
public sealed class TimingQuirkTests : PostgresConformanceFixture
{
    private const int DeleteLagMs = 400;

    protected override string AllowedRoles => "*";

    protected override IResolveConstraint ConfigAnswer => Is.EqualTo(204).Or.EqualTo(200);

    protected override IReadOnlyDictionary<string, string?>? ServerEnvironment => new Dictionary<string, string?>
    {
        ["SANDBOX_DOUBLE_LEASE_DELETE_LAG_MS"] = DeleteLagMs.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    private static async Task DelayUntilAsync(DateTimeOffset when, CancellationToken ct)
    {
        var wait = when - DateTimeOffset.UtcNow;
        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait, ct);
        }
    }

    [Test]
    public async Task CappedRenewal_LateInTheIssueSecond_GetsTheWholeMaxTtl_AndEndsWithinMaxTtlPlusOneSecond(CancellationToken ct)
    {
        var role = await NewRoleAsync("2s", "4s", ct);
        for (var attempt = 1; ; attempt++)
        {
            // issue early in a wall-clock second, renew late in the same second
            var now = DateTimeOffset.UtcNow;
            await DelayUntilAsync(new DateTimeOffset(now.UtcTicks - (now.UtcTicks % TimeSpan.TicksPerSecond), TimeSpan.Zero).AddSeconds(1).AddMilliseconds(20), ct);
            var creds = await Http.GetAsync($"{DatabaseMount}/creds/{role}", Root, ct);
            Assert.That(creds.Code, Is.EqualTo(200), creds.ToString());
            var leaseId = creds.Json!["lease_id"]!.GetValue<string>();
            var issued = DateTimeOffset.Parse((await LookupLeaseAsync(leaseId, ct)).Data!["issue_time"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture);
            var issueSecond = new DateTimeOffset(issued.UtcTicks - (issued.UtcTicks % TimeSpan.TicksPerSecond), TimeSpan.Zero);
            await DelayUntilAsync(issueSecond.AddMilliseconds(750), ct);
            var renew = await Http.PutAsync("sys/leases/renew", new JsonObject { ["lease_id"] = leaseId, ["increment"] = 60 }, Root, ct);
            var renewedAt = DateTimeOffset.UtcNow;
            TestContext.Out.WriteLine($"attempt {attempt}: issued {issued:O}, renew answered {renewedAt:O}: {renew}");
            if (renewedAt >= issueSecond.AddSeconds(1) && attempt < 5)
            {
                continue; // the renewal slipped into the next second; the case needs both in one
            }

            Assert.That(renew.Code, Is.EqualTo(200), renew.ToString());
            var lookup = await LookupLeaseAsync(leaseId, ct);
            var expire = DateTimeOffset.Parse(lookup.Data!["expire_time"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture);
            Assert.Multiple(() =>
            {
                Assert.That(renew.Json!["lease_duration"]!.GetValue<long>(), Is.EqualTo(4), "trunc(issue) + max_ttl − trunc(now) is the whole max_ttl");
                Assert.That(renew.Warnings, Has.Some.Contains("exceeded the effective max_ttl of \"4s\""));
                Assert.That(expire - issued, Is.GreaterThan(TimeSpan.FromSeconds(4)).And.LessThan(TimeSpan.FromSeconds(5)), "a capped renewal outlives issue + max_ttl, by less than one second");
            });
            return;
        }
    }

    [Test]
    public async Task FreshKvV2Mount_AnswersVaultsUpgrade400_ThenServes(CancellationToken ct)
    {
        var mount = Unique("kvv2");
        var enable = await Http.PostAsync("sys/mounts/" + mount, new JsonObject { ["type"] = "kv-v2" }, Root, ct);
        Assert.That(enable.Code, Is.EqualTo(204), enable.ToString());

        var first = await Http.PostAsync($"{mount}/data/app", new JsonObject { ["data"] = new JsonObject { ["k"] = "v" } }, Root, ct);
        if (first.Code == 400 || !VaultTarget.UsesRealVault)
        {
            // Vault's window depends on its storage; the double's (250 ms by default) always covers an immediate write
            Assert.That(first.Code, Is.EqualTo(400), first.ToString());
            Assert.That(first.Errors, Is.EqualTo(new[] { KvUpgrade.Message }));
        }

        var seen = await KvUpgrade.WaitAsync(Http, Root, mount, ct);
        var write = await Http.PostAsync($"{mount}/data/app", new JsonObject { ["data"] = new JsonObject { ["k"] = "v" } }, Root, ct);
        var config = await Http.GetAsync($"{mount}/config", Root, ct);
        Assert.Multiple(() =>
        {
            Assert.That(write.Code, Is.EqualTo(200), write.ToString());
            Assert.That(config.Code, Is.EqualTo(200), config.ToString());
        });
        TestContext.Out.WriteLine($"upgrade answers seen while polling {mount}/config: {seen}");
    }

    [Test]
    public async Task LeaseLookup_RightAfterExpiryDropsTheRole_StillAnswers200_ThenInvalidLease(CancellationToken ct)
    {
        var role = await NewRoleAsync("1s", "1m", ct);
        var creds = await Http.GetAsync($"{DatabaseMount}/creds/{role}", Root, ct);
        var leaseId = creds.Json!["lease_id"]!.GetValue<string>();
        var user = creds.Data!["username"]!.GetValue<string>();

        var sawWindow = false;
        VaultResponse lookup;
        var deadline = DateTimeOffset.UtcNow.AddSeconds(30);
        while (true)
        {
            var roleGone = !await RoleExistsAsync(user, ct);
            lookup = await LookupLeaseAsync(leaseId, ct);
            if (roleGone && lookup.Code == 200)
            {
                sawWindow = true; // the role is gone, the lease entry not yet
            }

            if (lookup.Code != 200 || DateTimeOffset.UtcNow > deadline)
            {
                break;
            }

            await Task.Delay(20, ct);
        }

        Assert.That(lookup.Code, Is.EqualTo(400), lookup.ToString());
        Assert.That(lookup.Errors, Is.EqualTo(new[] { "invalid lease" }));
        Assert.That(await RoleExistsAsync(user, ct), Is.False);
        if (!VaultTarget.UsesRealVault)
        {
            Assert.That(sawWindow, Is.True, $"with a {DeleteLagMs} ms lease-delete lag a poll sees the role gone while lookup still answers 200");
        }
    }

    [Test]
    public async Task Double_ByDefault_RunsVaultsTimings_AndLogsThem(CancellationToken ct)
    {
        DoubleOnly("reads the double's start-up log");
        await using var server = await DoubleProcess.StartAsync(ct, environment: new Dictionary<string, string?> { ["SANDBOX_DOUBLE_REVOKE_RETRY_BASE_MS"] = null });

        Assert.That(server.Output, Does.Contain("timing quirks: revoke_retry_base=10s (default (as Vault)) kv_upgrade_window=250ms (default (as Vault)) lease_delete_lag=5ms (default (as Vault))"));
    }

    [Test]
    public async Task Double_WithAShortenedBase_SaysSoInItsLog(CancellationToken ct)
    {
        DoubleOnly("reads the double's start-up log");
        await using var server = await DoubleProcess.StartAsync(ct);

        Assert.That(server.Output, Does.Contain($"revoke_retry_base={DoubleProcess.RevokeRetryBaseMs}ms (env SANDBOX_DOUBLE_REVOKE_RETRY_BASE_MS)"));
    }

    [Test]
    public async Task Unseal_Fails500_WhenTheClusterPortIsTaken_AndWorksOnAFreeOne(CancellationToken ct)
    {
        DoubleOnly("starts its own servers with a chosen cluster port");
        using var squatter = new TcpListener(IPAddress.Loopback, 0);
        squatter.Start();
        var taken = ((IPEndPoint)squatter.LocalEndpoint).Port;

        await using (var blocked = await DoubleProcess.StartAsync(ct, clusterPort: taken))
        {
            using var http = new VaultHttp(blocked.Address);
            var key = await InitAsync(http, ct);
            var unseal = await http.PutAsync("sys/unseal", new JsonObject { ["key"] = key }, null, ct);
            Assert.That(unseal.Code, Is.EqualTo(500), unseal.ToString());
            Assert.That(unseal.Text, Does.Contain("error starting cluster listener"));
            var status = await http.GetAsync("sys/seal-status", null, ct);
            Assert.That(status.Json!["sealed"]!.GetValue<bool>(), Is.True, "a failed cluster listener leaves Vault sealed");
        }

        await using var free = await DoubleProcess.StartAsync(ct);
        using var http2 = new VaultHttp(free.Address);
        var key2 = await InitAsync(http2, ct);
        var ok = await http2.PutAsync("sys/unseal", new JsonObject { ["key"] = key2 }, null, ct);
        Assert.That(ok.Code, Is.EqualTo(200), ok.ToString());
        Assert.That(free.Output, Does.Contain("starting cluster listeners: address=127.0.0.1:"));
    }

    private static async Task<string> InitAsync(VaultHttp http, CancellationToken ct)
    {
        var init = await http.PutAsync("sys/init", new JsonObject { ["secret_shares"] = 1, ["secret_threshold"] = 1 }, null, ct);
        Assert.That(init.Code, Is.EqualTo(200), init.ToString());
        return init.Json!["keys"]![0]!.GetValue<string>();
    }
}
